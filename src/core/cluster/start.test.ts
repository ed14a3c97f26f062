import { describe, expect, it } from 'vitest';
import type { ClusterConfig, NodeTypeConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { planNodes } from './start.js';

function type(min: number, max = 32): NodeTypeConfig {
  return { node_config: {}, min_workers: min, max_workers: max, resources: {} };
}

const config = {
  cluster_name: 'c',
  workspace_name: 'w',
  max_workers: 10,
  head_node_type: 'head.default',
  available_node_types: { 'head.default': type(0, 0), 'worker.default': type(3), 'worker.big': type(1, 1) },
} as unknown as ClusterConfig;

const hash = (kind: string, t: string): string => `${kind}:${t}:v1`;

function node(id: string, kind: 'head' | 'worker', nodeType: string, extra: Partial<NodeInfo> = {}): NodeInfo {
  return {
    id,
    kind,
    nodeType,
    seqId: 1,
    ip: '10.0.0.1',
    state: 'running',
    running: true,
    createdAt: 0,
    tags: { [TAG.launchConfig]: hash(kind, nodeType) },
    limits: { cpus: 1, memoryBytes: 1 },
    ...extra,
  };
}

describe('planNodes', () => {
  const cases: {
    name: string;
    nodes: NodeInfo[];
    head?: string;
    keep: string[];
    terminate: string[];
    launch: Record<string, number>;
  }[] = [
    {
      name: 'empty cluster launches head and min_workers',
      nodes: [],
      keep: [],
      terminate: [],
      launch: { 'worker.default': 3, 'worker.big': 1 },
    },
    {
      name: 'complete cluster launches nothing',
      nodes: [
        node('h', 'head', 'head.default'),
        node('a', 'worker', 'worker.default'),
        node('b', 'worker', 'worker.default'),
        node('c', 'worker', 'worker.default'),
        node('d', 'worker', 'worker.big'),
      ],
      head: 'h',
      keep: ['a', 'b', 'c', 'd'],
      terminate: [],
      launch: {},
    },
    {
      name: 'dead and outdated nodes are replaced',
      nodes: [
        node('h', 'head', 'head.default', { tags: { [TAG.launchConfig]: 'old' } }),
        node('a', 'worker', 'worker.default', { running: false, state: 'exited' }),
        node('b', 'worker', 'worker.default', { tags: { [TAG.launchConfig]: 'old' } }),
        node('c', 'worker', 'worker.default'),
      ],
      keep: ['c'],
      terminate: ['a', 'h', 'b'],
      launch: { 'worker.default': 2, 'worker.big': 1 },
    },
    {
      name: 'a second head (from a race) is removed',
      nodes: [node('h1', 'head', 'head.default'), node('h2', 'head', 'head.default')],
      head: 'h1',
      keep: [],
      terminate: ['h2'],
      launch: { 'worker.default': 3, 'worker.big': 1 },
    },
    {
      name: 'workers above a type max go, workers of unknown types go',
      nodes: [
        node('h', 'head', 'head.default'),
        node('x', 'worker', 'worker.big'),
        node('y', 'worker', 'worker.big'),
        node('z', 'worker', 'worker.gone'),
      ],
      head: 'h',
      keep: ['x'],
      terminate: ['y', 'z'],
      launch: { 'worker.default': 3 },
    },
  ];
  it.each(cases)('$name', (c) => {
    const plan = planNodes(config, c.nodes, hash);
    expect(plan.head?.id).toBe(c.head);
    expect(plan.keepWorkers.map((n) => n.id).sort()).toEqual([...c.keep].sort());
    expect(plan.terminate.map((n) => n.id).sort()).toEqual([...c.terminate].sort());
    expect(Object.fromEntries(plan.launches.map((l) => [l.nodeType, l.count]))).toEqual(c.launch);
  });
});
