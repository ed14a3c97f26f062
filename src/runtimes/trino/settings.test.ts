import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerDir } from '../../core/host/package.js';
import { prepareTrino } from './index.js';
import { trinoService } from './node.js';
import {
  catalogFiles,
  configProperties,
  hiveCatalog,
  jvmConfig,
  metastoreUri,
  nodeProperties,
  trinoMemory,
  type TrinoNode,
} from './settings.js';

const props = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('trinoMemory', () => {
  it.each([
    // CloudTik's example: a 16 GiB node.
    [16384, undefined, { heapMb: 13107, maxMemoryPerNodeMb: 6553, headroomMb: 3276 }],
    [2048, undefined, { heapMb: 1638, maxMemoryPerNodeMb: 819, headroomMb: 409 }],
    // Small test nodes keep the floor.
    [512, undefined, { heapMb: 512, maxMemoryPerNodeMb: 256, headroomMb: 128 }],
    // A node type without memory is taken as 4 GB.
    [0, undefined, { heapMb: 3276, maxMemoryPerNodeMb: 1638, headroomMb: 819 }],
    // A configured heap wins over the node's share, and still keeps the floor.
    [16384, 1000, { heapMb: 1000, maxMemoryPerNodeMb: 500, headroomMb: 250 }],
    [16384, 300, { heapMb: 512, maxMemoryPerNodeMb: 256, headroomMb: 128 }],
  ])('a %i MB node with heap %s', (nodeMb, heap, want) => {
    expect(trinoMemory(nodeMb, heap)).toEqual(want);
  });

  it('leaves a query and the headroom within the heap', () => {
    for (const mb of [256, 1000, 2048, 7777, 65536]) {
      const m = trinoMemory(mb);
      expect(m.maxMemoryPerNodeMb + m.headroomMb).toBeLessThanOrEqual(m.heapMb);
    }
  });
});

const node = (over: Partial<TrinoNode>): TrinoNode => ({
  coordinator: true,
  headIp: '10.0.0.2',
  memory: trinoMemory(2048),
  queryMaxMemory: '50GB',
  hasWorkers: true,
  ...over,
});

describe('configProperties', () => {
  it.each<[string, Partial<TrinoNode>, Record<string, string>]>([
    [
      'the coordinator of a cluster with workers schedules nothing on itself',
      {},
      {
        coordinator: 'true',
        'node-scheduler.include-coordinator': 'false',
        'failure-detector.warmup-interval': '1s',
        'http-server.http.port': '8081',
        'discovery.uri': 'http://127.0.0.1:18081',
        'query.max-memory': '50GB',
        'query.max-memory-per-node': '819MB',
        'memory.heap-headroom-per-node': '409MB',
      },
    ],
    [
      'a coordinator alone runs the queries itself',
      { hasWorkers: false, queryMaxMemory: '2GB' },
      {
        coordinator: 'true',
        'node-scheduler.include-coordinator': 'true',
        'failure-detector.warmup-interval': '1s',
        'http-server.http.port': '8081',
        'discovery.uri': 'http://127.0.0.1:18081',
        'query.max-memory': '2GB',
        'query.max-memory-per-node': '819MB',
        'memory.heap-headroom-per-node': '409MB',
      },
    ],
    [
      'a worker serves on 8080 and finds the coordinator on the head',
      { coordinator: false, memory: trinoMemory(16384) },
      {
        coordinator: 'false',
        'http-server.http.port': '8080',
        'discovery.uri': 'http://10.0.0.2:8081',
        'query.max-memory': '50GB',
        'query.max-memory-per-node': '6553MB',
        'memory.heap-headroom-per-node': '3276MB',
      },
    ],
  ])('%s', (_what, over, want) => {
    expect(props(configProperties(node(over)))).toEqual(want);
  });
});

describe('the other etc files', () => {
  it('node.properties: one environment, the node id made safe for Trino', () => {
    expect(props(nodeProperties('ws/c:10.0.0.3', '/data/trino'))).toEqual({
      'node.environment': 'trino',
      'node.id': 'ws-c-10-0-0-3',
      'node.data-dir': '/data/trino',
    });
  });

  it('jvm.config: the heap of the node, no heap dumps', () => {
    const lines = jvmConfig(trinoMemory(2048)).trim().split('\n');
    expect(lines).toContain('-Xmx1638m');
    expect(lines).toContain('-XX:+UseG1GC');
    expect(lines).toContain('-XX:+ExitOnOutOfMemoryError');
    expect(lines.some((l) => l.includes('HeapDump'))).toBe(false);
    expect(lines.some((l) => l.includes('AOT'))).toBe(false);
  });

  it("jvm.config with the image's AOT cache: the same options, and the cache last", () => {
    const plain = jvmConfig(trinoMemory(2048)).trim().split('\n');
    const lines = jvmConfig(trinoMemory(2048), '/opt/trino/aot/trino.aot').trim().split('\n');
    expect(lines).toEqual([...plain, '-XX:AOTCache=/opt/trino/aot/trino.aot']);
  });

  it("the image's AOT cache is made with the options of jvm.config (a cache made with others goes unused)", () => {
    const script = fs.readFileSync(path.join(dockerDir(), 'sql', 'trino-aot-train.sh'), 'utf8');
    const block = /cat >"\$work\/etc\/jvm\.config" <<'JVM'\n([^]*?)\nJVM\n/.exec(script)?.[1];
    expect(block, 'the jvm.config of trino-aot-train.sh').toBeDefined();
    const withoutHeap = (lines: string[]): string[] => lines.filter((l) => !l.startsWith('-Xmx'));
    expect(withoutHeap(block?.split('\n') ?? [])).toEqual(withoutHeap(jvmConfig(trinoMemory(2048)).trim().split('\n')));
  });

  it('the hive catalog: the metastore and the node Hadoop settings', () => {
    expect(props(hiveCatalog('thrift://10.0.0.2:9083', '/opt/hadoop/etc/hadoop'))).toEqual({
      'connector.name': 'hive',
      'hive.metastore.uri': 'thrift://10.0.0.2:9083',
      'fs.hadoop.enabled': 'true',
      'hive.config.resources': '/opt/hadoop/etc/hadoop/core-site.xml,/opt/hadoop/etc/hadoop/hdfs-site.xml',
    });
  });

  it.each<[string, Record<string, unknown>, string[], string | undefined]>([
    ['the metastore of the cluster', {}, ['hdfs', 'metastore', 'trino'], 'thrift://10.0.0.2:9083'],
    ['a configured one first', { hive_metastore_uri: 'thrift://ms:9083' }, ['metastore'], 'thrift://ms:9083'],
    ['none without a metastore', {}, ['hdfs', 'trino'], undefined],
    ['none when discovery is off', { metastore_service_discovery: false }, ['metastore'], undefined],
  ])('metastoreUri: %s', (_what, options, types, want) => {
    expect(metastoreUri(options, types, '10.0.0.2')).toBe(want);
  });

  it('catalogs: tpch always, hive with a metastore, the configured ones over them', () => {
    expect(Object.keys(catalogFiles(undefined, {}))).toEqual(['tpch.properties']);
    const files = catalogFiles('connector.name=hive\n', { hive: { 'connector.name': 'memory' }, mem: { a: 1 } });
    expect(Object.keys(files)).toEqual(['tpch.properties', 'hive.properties', 'mem.properties']);
    expect(props(files['hive.properties'] as string)).toEqual({ 'connector.name': 'memory' });
    expect(props(files['mem.properties'] as string)).toEqual({ a: '1' });
  });
});

describe('trinoService', () => {
  it('runs the launcher at once, on the coordinator and on workers alike', () => {
    expect(trinoService('/e', '/d')).toBe('exec /opt/trino/server/bin/launcher run --etc-dir=/e --data-dir=/d');
  });
});

describe('prepareTrino', () => {
  const input = (types: string[], options: Record<string, unknown> = {}) => ({
    types,
    options,
    head: { cpus: 2, memoryMb: 4096 },
    workerTypes: [
      { name: 'a', cpus: 2, memoryMb: 8192 },
      { name: 'b', cpus: 2, memoryMb: 2048 },
    ],
  });

  it('sizes the coordinator from the head and the workers from the smallest worker type', () => {
    const r = prepareTrino(input(['hdfs', 'metastore', 'trino']));
    expect(r).toEqual({ values: { coordinator_heap_size: 3276, worker_heap_size: 1638 }, issues: [] });
  });

  it('keeps configured heaps', () => {
    const r = prepareTrino(input(['metastore', 'trino'], { coordinator_heap_size: 700, worker_heap_size: 900 }));
    expect(r.values).toEqual({ coordinator_heap_size: 700, worker_heap_size: 900 });
  });

  it.each([
    ['no metastore', ['hdfs', 'trino'], {}],
    [
      'the metastore left out by metastore_service_discovery',
      ['metastore', 'trino'],
      { metastore_service_discovery: false },
    ],
  ])('%s is an error at runtime.types', (_what, types, options) => {
    const { issues } = prepareTrino(input(types, options));
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      [['runtime', 'types'], "trino's hive catalog needs a Hive metastore, and runtime.types has no metastore"],
    ]);
    expect(issues[0]?.hint).toEqual(expect.any(String));
  });
});
