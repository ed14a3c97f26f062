import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClusterConfig } from '../../config/load.js';
import type { ClusterConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { dumpTargets, gatherScript, nodeFolder } from './dump.js';
import { evaluateHealth, type HealthInput } from './health.js';
import { selectWorkers } from './hosts.js';
import { selectLogTargets, TailSplitter, tailCommand } from './logs.js';
import { expectedServices, parseProcessProbe, processRows } from './node-processes.js';
import { clusterMetrics } from './resource-metrics.js';
import { builtInScriptCommand } from './run-script.js';

let config: ClusterConfig;

beforeAll(async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-diag-'));
  const file = path.join(dir, 'c.yaml');
  await fsp.writeFile(
    file,
    [
      'cluster_name: diag',
      'provider: {type: virtual}',
      'runtime: {types: [prometheus]}',
      'available_node_types:',
      '  head.default: {node_config: {instance_type: {CPU: 1, memory: 1G}}}',
      '  worker.small: {node_config: {instance_type: {CPU: 1, memory: 1G}}, min_workers: 1}',
      '  worker.big: {node_config: {instance_type: {CPU: 2, memory: 2G}}, min_workers: 1, runtime: {types: []}}',
      '',
    ].join('\n'),
  );
  config = (await loadClusterConfig(file)).config;
  await fsp.rm(dir, { recursive: true });
});

function node(id: string, kind: 'head' | 'worker', nodeType: string, extra: Partial<NodeInfo> = {}): NodeInfo {
  return {
    id,
    kind,
    nodeType,
    seqId: 1,
    ip: `10.0.0.${id.slice(1)}`,
    state: 'running',
    running: true,
    createdAt: 0,
    tags: { [TAG.nodeStatus]: 'up-to-date' },
    limits: { cpus: 1, memoryBytes: 2 ** 30 },
    ...extra,
  };
}
const head = node('n1', 'head', 'head.default');
const small = node('n2', 'worker', 'worker.small');
const big = node('n3', 'worker', 'worker.big');
const gone = node('n4', 'worker', 'worker.small', { running: false, ip: undefined, state: 'exited' });
const nodes = [head, small, big, gone];

describe('expectedServices', () => {
  it.each([
    [
      head,
      undefined,
      [
        'cloudtik/state',
        'cloudtik/agent',
        'cloudtik/controller',
        'cloudtik/jobs',
        'prometheus/prometheus',
        'prometheus/prometheus-targets',
        'prometheus/node-exporter',
      ],
    ],
    [small, undefined, ['cloudtik/agent', 'prometheus/node-exporter']],
    [big, undefined, ['cloudtik/agent']],
    [head, ['prometheus'], ['prometheus/prometheus', 'prometheus/prometheus-targets', 'prometheus/node-exporter']],
    [small, ['cloudtik'], ['cloudtik/agent']],
  ])('%s with runtimes %s', (n, only, want) => {
    expect(expectedServices(config, n, only).map((s) => `${s.runtime}/${s.service}`)).toEqual(want);
  });
});

describe('parseProcessProbe and processRows', () => {
  const probed = parseProcessProbe('agent 40 42 up\nnode-exporter - - down\nextra 50 - up\ngarbage line\n');
  it('parses pids and states', () => {
    expect(probed).toEqual([
      { service: 'agent', supervisorPid: 40, pid: 42, up: true },
      { service: 'node-exporter', up: false },
      { service: 'extra', supervisorPid: 50, up: true },
    ]);
  });
  it('lists the expected services (down when missing) and running extras', () => {
    const rows = processRows(small, expectedServices(config, small), probed, true);
    expect(rows.map((r) => [r.runtime, r.service, r.state, r.pid])).toEqual([
      ['cloudtik', 'agent', 'running', 42],
      ['prometheus', 'node-exporter', 'down', undefined],
      ['-', 'extra', 'running', 50],
    ]);
  });
});

describe('evaluateHealth', () => {
  const now = 100_000;
  const beat = (n: NodeInfo, time: number) => ({
    nodeId: n.id,
    ip: n.ip ?? '',
    kind: n.kind,
    nodeType: n.nodeType,
    seqId: 1,
    time,
    cpus: 1,
    cpuUtilization: 0.5,
    memoryTotal: 100,
    memoryUsed: 25,
    inUse: true,
  });
  const healthyInput = (): HealthInput => ({
    nodes: [head, small],
    processes: [
      ...processRows(
        head,
        expectedServices(config, head, ['cloudtik']),
        parseProcessProbe('state 1 2 up\nagent 3 4 up\ncontroller 5 6 up\njobs 7 8 up'),
        false,
      ),
      ...processRows(small, expectedServices(config, small, ['cloudtik']), parseProcessProbe('agent 1 2 up'), false),
    ],
    heartbeats: new Map([
      [head.id, beat(head, now - 1000)],
      [small.id, beat(small, now - 2000)],
    ]),
    controller: {
      time: now - 3000,
      pid: 1,
      pass: 9,
      passMs: 5,
      headIp: '',
      workers: [],
      pending: {},
      blocked: {},
      targets: {},
      requests: [],
      messages: [],
    },
    now,
  });
  const failed = (input: HealthInput): string[] =>
    evaluateHealth(input)
      .filter((c) => !c.healthy)
      .map((c) => `${c.node} ${c.component}: ${c.detail}`);

  it.each<[string, (h: HealthInput) => Partial<HealthInput>, string[]]>([
    ['all healthy', () => ({}), []],
    [
      'a worker agent killed',
      (h) => ({ processes: h.processes.map((p) => (p.node === 'n2' ? { ...p, state: 'down' as const } : p)) }),
      ['n2 agent: not running'],
    ],
    [
      'a stale heartbeat',
      () => ({
        heartbeats: new Map([
          [head.id, beat(head, now)],
          [small.id, beat(small, now - 60_000)],
        ]),
      }),
      ['n2 heartbeat: last heartbeat 60s ago'],
    ],
    [
      'a worker that never reported',
      () => ({ heartbeats: new Map([[head.id, beat(head, now)]]) }),
      ['n2 heartbeat: no heartbeat from its agent'],
    ],
    [
      'the state store down',
      () => ({ heartbeats: { error: 'store down' }, controller: { error: 'store down' } }),
      ['n1 controller-status: store down', 'n1 heartbeat: store down', 'n2 heartbeat: store down'],
    ],
    [
      'a node whose update failed',
      () => ({ nodes: [head, { ...small, tags: { [TAG.nodeStatus]: 'update-failed' } }] }),
      ['n2 node-status: update-failed'],
    ],
  ])('%s', (_name, change, want) => {
    const healthy = healthyInput();
    expect(failed({ ...healthy, ...change(healthy) }).sort()).toEqual(want);
  });
});

describe('selectLogTargets', () => {
  const pick = (filter: Parameters<typeof selectLogTargets>[2]) =>
    selectLogTargets(config, nodes, filter).map((t) => `${t.node.id}:${t.services?.join('+') ?? '*'}`);
  it.each<[string, Parameters<typeof selectLogTargets>[2], string[]]>([
    ['every log of every running node', {}, ['n1:*', 'n2:*', 'n3:*']],
    ['a node type', { nodeTypes: ['worker.small'] }, ['n2:*']],
    ['a node IP', { nodeIps: ['10.0.0.3'] }, ['n3:*']],
    [
      'a runtime: only nodes that run it',
      { runtimes: ['prometheus'] },
      ['n1:prometheus+prometheus-targets+node-exporter', 'n2:node-exporter'],
    ],
    [
      'the node services (the controller on the head)',
      { runtimes: ['cloudtik'], nodeTypes: ['head.default'] },
      ['n1:state+agent+controller+jobs'],
    ],
  ])('%s', (_name, filter, want) => {
    expect(pick(filter)).toEqual(want);
  });
  it.each<[Parameters<typeof selectLogTargets>[2], RegExp]>([
    [{ runtimes: ['spark'] }, /no runtime spark in this cluster/],
    [{ nodeTypes: ['worker.huge'] }, /no node type worker.huge/],
    [{ nodeIps: ['10.0.0.4'] }, /no running node with IP 10.0.0.4/],
  ])('refuses %j', (filter, error) => {
    expect(() => selectLogTargets(config, nodes, filter)).toThrow(error);
  });
  it('tails the named logs, or all of them', () => {
    expect(tailCommand({ services: ['agent'] }, 5, true)).toContain('set -- agent.log;');
    expect(tailCommand({}, 5, false)).toContain('set -- *.log');
    expect(tailCommand({}, 5, true)).toContain('tail -v -n 5 -F');
  });
});

describe('TailSplitter', () => {
  it('tags lines with their log, across chunks, dropping the blank line before a header', () => {
    const got: string[] = [];
    const s = new TailSplitter((service, line) => got.push(`${service}|${line}`));
    for (const c of ['==> agent.log <==\nstarted\n\nsecond par', 'agraph\n\n==> controller.log <==\npass 1\n', 'tail'])
      s.push(c);
    s.end();
    expect(got).toEqual(['agent|started', 'agent|', 'agent|second paragraph', 'controller|pass 1', 'controller|tail']);
  });
});

describe('clusterMetrics', () => {
  it('sums what fresh heartbeats report and marks the stale and the silent', () => {
    const beats = [
      {
        nodeId: 'n1',
        ip: '',
        kind: 'head',
        nodeType: '',
        seqId: 1,
        time: 99_000,
        cpus: 2,
        cpuUtilization: 0.5,
        memoryTotal: 1000,
        memoryUsed: 400,
        inUse: true,
      },
      {
        nodeId: 'n2',
        ip: '',
        kind: 'worker',
        nodeType: '',
        seqId: 2,
        time: 10_000,
        cpus: 1,
        cpuUtilization: 0.25,
        memoryTotal: 500,
        memoryUsed: 100,
        inUse: true,
      },
    ];
    const m = clusterMetrics(nodes, beats, 100_000);
    expect(m.nodes.map((n) => [n.node, n.cpusUsed, n.stale])).toEqual([
      ['n1', 1, false],
      ['n2', 0.25, true],
      ['n3', 0, true],
    ]);
    expect(m.total).toEqual({ cpus: 4, cpusUsed: 1.25, memoryTotal: 1500 + 2 ** 30, memoryUsed: 500 });
  });
});

describe('selectWorkers', () => {
  it.each<[{ runtime?: string; nodeStatus?: string }, string[]]>([
    [{}, ['n2', 'n3']],
    [{ runtime: 'prometheus' }, ['n2']],
    [{ nodeStatus: 'setting-up' }, []],
  ])('%j', (filter, want) => {
    expect(selectWorkers(config, nodes, filter).map((n) => n.id)).toEqual(want);
  });
});

describe('cluster-dump', () => {
  const opts = { logs: true, debugState: true, pip: true, processes: true, processesVerbose: false };
  it.each<[object, string[]]>([
    [{}, ['n1', 'n2', 'n3']],
    [{ headOnly: true }, ['n1']],
    [{ hosts: ['10.0.0.3', 'n2'] }, ['n2', 'n3']],
  ])('dumps %j', (extra, want) => {
    expect(dumpTargets(config, nodes, { ...opts, ...extra }).map((n) => n.id)).toEqual(want);
  });
  it('refuses a host that is not a running node', () => {
    expect(() => dumpTargets(config, nodes, { ...opts, hosts: ['10.0.0.9'] })).toThrow(/10.0.0.9/);
  });
  it('gathers what was asked for', () => {
    expect(gatherScript(head, opts)).toContain('/cloudtik/state');
    expect(gatherScript(small, opts)).not.toContain('/cloudtik/state');
    expect(gatherScript(small, { ...opts, logs: false, processes: false, pip: false })).not.toMatch(
      /logs\/\.|ps |pip list/,
    );
    expect(gatherScript(small, { ...opts, processesVerbose: true })).toContain('ps auxww');
    expect(nodeFolder(small)).toBe('worker-10.0.0.2');
  });
});

describe('builtInScriptCommand', () => {
  it.each([
    ['bin/cloudtik.js', ['--version'], 'node "$f" --version'],
    ['scripts/x.sh', [], 'bash "$f"'],
    ['tools/y.py', ['a b'], 'python3 -u "$f" \'a b\''],
  ])('%s', (script, args, tail) => {
    expect(builtInScriptCommand(script, args).endsWith(tail)).toBe(true);
  });
  it.each(['/etc/x.sh', '../x.sh', 'bin/../../x.sh', 'script', 'x.rb'])('refuses %s', (script) => {
    expect(() => builtInScriptCommand(script, [])).toThrow(/not a built-in script/);
  });
});
