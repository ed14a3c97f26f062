import { describe, expect, it } from 'vitest';
import { preparePresto } from './index.js';
import { prestoService } from './node.js';
import { configProperties, hiveCatalog, jvmConfig, nodeProperties, prestoMemory, type PrestoNode } from './settings.js';

const props = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('prestoMemory', () => {
  it.each([
    // CloudTik's example: a 16 GiB node (9174 MB total per node).
    [16384, undefined, { heapMb: 13107, maxMemoryPerNodeMb: 6553, maxTotalMemoryPerNodeMb: 9174, headroomMb: 3276 }],
    [2048, undefined, { heapMb: 1638, maxMemoryPerNodeMb: 819, maxTotalMemoryPerNodeMb: 1146, headroomMb: 409 }],
    // Small test nodes keep the floor.
    [512, undefined, { heapMb: 512, maxMemoryPerNodeMb: 256, maxTotalMemoryPerNodeMb: 358, headroomMb: 128 }],
    // A configured heap wins over the node's share.
    [16384, 1000, { heapMb: 1000, maxMemoryPerNodeMb: 500, maxTotalMemoryPerNodeMb: 700, headroomMb: 250 }],
  ])('a %i MB node with heap %s', (nodeMb, heap, want) => {
    expect(prestoMemory(nodeMb, heap)).toEqual(want);
  });

  it("keeps a query's total and the headroom within the heap (Presto refuses to start otherwise)", () => {
    for (const mb of [256, 1000, 2048, 7777, 65536]) {
      const m = prestoMemory(mb);
      expect(m.maxTotalMemoryPerNodeMb + m.headroomMb).toBeLessThanOrEqual(m.heapMb);
      expect(m.maxMemoryPerNodeMb).toBeLessThanOrEqual(m.maxTotalMemoryPerNodeMb);
    }
  });
});

const node = (over: Partial<PrestoNode>): PrestoNode => ({
  coordinator: true,
  headIp: '10.0.0.2',
  memory: prestoMemory(2048),
  queryMaxMemory: '50GB',
  hasWorkers: true,
  ...over,
});

describe('configProperties', () => {
  it.each<[string, Partial<PrestoNode>, Record<string, string>]>([
    [
      'the coordinator serves discovery and, with workers, schedules nothing on itself',
      {},
      {
        coordinator: 'true',
        'node-scheduler.include-coordinator': 'false',
        'failure-detector.warmup-interval': '1s',
        'discovery-server.enabled': 'true',
        'http-server.http.port': '8081',
        'discovery.uri': 'http://127.0.0.1:18081',
        'query.max-memory': '50GB',
        'query.max-memory-per-node': '819MB',
        'query.max-total-memory-per-node': '1146MB',
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
        'discovery-server.enabled': 'true',
        'http-server.http.port': '8081',
        'discovery.uri': 'http://127.0.0.1:18081',
        'query.max-memory': '2GB',
        'query.max-memory-per-node': '819MB',
        'query.max-total-memory-per-node': '1146MB',
        'memory.heap-headroom-per-node': '409MB',
      },
    ],
    [
      'a worker serves on 8080 and announces itself to the coordinator on the head',
      { coordinator: false, memory: prestoMemory(16384) },
      {
        coordinator: 'false',
        'http-server.http.port': '8080',
        'discovery.uri': 'http://10.0.0.2:8081',
        'query.max-memory': '50GB',
        'query.max-memory-per-node': '6553MB',
        'query.max-total-memory-per-node': '9174MB',
        'memory.heap-headroom-per-node': '3276MB',
      },
    ],
  ])('%s', (_what, over, want) => {
    expect(props(configProperties(node(over)))).toEqual(want);
  });
});

describe('the other etc files', () => {
  it("node.properties: Presto's environment, the node id made safe for Presto", () => {
    expect(props(nodeProperties('ws/c:10.0.0.3', '/data/presto'))).toEqual({
      'node.environment': 'presto',
      'node.id': 'ws-c-10-0-0-3',
      'node.data-dir': '/data/presto',
    });
  });

  it('jvm.config: the heap of the node, G1, exit on OOM, no heap dumps', () => {
    const lines = jvmConfig(prestoMemory(2048)).trim().split('\n');
    expect(lines).toContain('-Xmx1638m');
    expect(lines).toContain('-XX:+UseG1GC');
    expect(lines).toContain('-XX:+ExitOnOutOfMemoryError');
    expect(lines).toContain('-Djdk.attach.allowAttachSelf=true');
    expect(lines.some((l) => l.includes('HeapDump'))).toBe(false);
  });

  it("the hive catalog: Presto's hive-hadoop2 connector, the metastore and the node Hadoop settings", () => {
    expect(props(hiveCatalog('thrift://10.0.0.2:9083', '/opt/hadoop/etc/hadoop'))).toEqual({
      'connector.name': 'hive-hadoop2',
      'hive.metastore.uri': 'thrift://10.0.0.2:9083',
      'hive.config.resources': '/opt/hadoop/etc/hadoop/core-site.xml,/opt/hadoop/etc/hadoop/hdfs-site.xml',
    });
  });
});

describe('prestoService', () => {
  it("runs the launcher's Python part on python3, at once, on the coordinator and on workers alike", () => {
    expect(prestoService('/e', '/d')).toBe(
      'exec python3 /opt/presto/server/bin/launcher.py run --etc-dir=/e --data-dir=/d',
    );
  });
});

describe('preparePresto', () => {
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
    const r = preparePresto(input(['hdfs', 'metastore', 'presto']));
    expect(r).toEqual({ values: { coordinator_heap_size: 3276, worker_heap_size: 1638 }, issues: [] });
  });

  it('keeps configured heaps', () => {
    const r = preparePresto(input(['metastore', 'presto'], { coordinator_heap_size: 700, worker_heap_size: 900 }));
    expect(r.values).toEqual({ coordinator_heap_size: 700, worker_heap_size: 900 });
  });

  it('a cluster without a metastore is an error at runtime.types', () => {
    const { issues } = preparePresto(input(['hdfs', 'presto']));
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      [['runtime', 'types'], "presto's hive catalog needs a Hive metastore, and runtime.types has no metastore"],
    ]);
    expect(issues[0]?.hint).toContain('runtime.presto.hive_metastore_uri');
  });

  it('trino in the same cluster is an error at runtime.types (the two take the same ports)', () => {
    const { issues } = preparePresto(input(['hdfs', 'metastore', 'trino', 'presto']));
    expect(issues.map((i) => i.path)).toEqual([['runtime', 'types']]);
    expect(issues[0]?.message).toContain('presto and trino cannot run in one cluster');
    expect(issues[0]?.hint).toEqual(expect.any(String));
  });
});
