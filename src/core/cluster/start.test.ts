import { describe, expect, it } from 'vitest';
import type { ClusterConfig, NodeTypeConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { headHostMounts, planHead } from './start.js';

function type(min: number, max = 32, nodeConfig: NodeTypeConfig['node_config'] = {}): NodeTypeConfig {
  return { node_config: nodeConfig, min_workers: min, max_workers: max, resources: {} };
}

const config = {
  cluster_name: 'c',
  workspace_name: 'w',
  max_workers: 10,
  head_node_type: 'head.default',
  available_node_types: {
    'head.default': type(0, 0, { data_dirs: ['/srv/share'] }),
    'worker.default': type(3, 32, { data_disks: ['/mnt/d1', '/mnt/d2'], data_dirs: ['/srv/share'] }),
  },
} as unknown as ClusterConfig;

const HASH = 'head-hash-v1';

function node(id: string, kind: 'head' | 'worker', extra: Partial<NodeInfo> = {}): NodeInfo {
  return {
    id,
    kind,
    nodeType: kind === 'head' ? 'head.default' : 'worker.default',
    seqId: 1,
    ip: '10.0.0.1',
    state: 'running',
    running: true,
    createdAt: 0,
    tags: { [TAG.launchConfig]: HASH },
    limits: { cpus: 1, memoryBytes: 1 },
    ...extra,
  };
}

describe('planHead', () => {
  it.each([
    { name: 'no head', nodes: [node('w1', 'worker')], head: undefined, terminate: [] },
    { name: 'a current head stays', nodes: [node('h1', 'head'), node('w1', 'worker')], head: 'h1', terminate: [] },
    {
      name: 'an outdated head goes',
      nodes: [node('h1', 'head', { tags: { [TAG.launchConfig]: 'old' } })],
      head: undefined,
      terminate: ['h1'],
    },
    {
      name: 'a dead head that never finished its setup goes',
      nodes: [node('h1', 'head', { running: false, state: 'exited' })],
      head: undefined,
      terminate: ['h1'],
    },
    {
      name: 'a stopped current head that finished its setup is started again',
      nodes: [
        node('h1', 'head', {
          running: false,
          state: 'exited',
          tags: { [TAG.launchConfig]: HASH, [TAG.nodeStatus]: 'up-to-date' },
        }),
      ],
      head: 'h1',
      terminate: [],
      resume: true,
    },
    {
      name: 'a stopped head killed on purpose goes',
      nodes: [
        node('h1', 'head', {
          running: false,
          state: 'exited',
          tags: { [TAG.launchConfig]: HASH, [TAG.nodeStatus]: 'up-to-date', [TAG.killed]: 'true' },
        }),
      ],
      head: undefined,
      terminate: ['h1'],
    },
    {
      name: 'a stopped outdated head goes even after its setup',
      nodes: [
        node('h1', 'head', {
          running: false,
          state: 'exited',
          tags: { [TAG.launchConfig]: 'old', [TAG.nodeStatus]: 'up-to-date' },
        }),
      ],
      head: undefined,
      terminate: ['h1'],
    },
    {
      name: 'a running current head wins over a stopped one',
      nodes: [
        node('h1', 'head', {
          running: false,
          state: 'exited',
          tags: { [TAG.launchConfig]: HASH, [TAG.nodeStatus]: 'up-to-date' },
        }),
        node('h2', 'head'),
      ],
      head: 'h2',
      terminate: ['h1'],
    },
    {
      name: 'a head of another type goes',
      nodes: [node('h1', 'head', { nodeType: 'head.big' })],
      head: undefined,
      terminate: ['h1'],
    },
    {
      name: 'two heads: the first stays',
      nodes: [node('h1', 'head'), node('h2', 'head')],
      head: 'h1',
      terminate: ['h2'],
    },
  ])('$name', ({ nodes, head, terminate, resume }) => {
    const plan = planHead(config, nodes, HASH);
    expect(plan.head?.id).toBe(head);
    expect(plan.terminate.map((n) => n.id)).toEqual(terminate);
    expect(plan.resume).toBe(resume ?? false);
  });

  it('never touches workers (the controller owns them)', () => {
    const plan = planHead(config, [node('w1', 'worker', { running: false })], HASH);
    expect(plan.terminate).toEqual([]);
  });
});

describe('headHostMounts', () => {
  it('gives the head every folder a worker type mounts, once each, and not the Docker socket', () => {
    expect(headHostMounts(config)).toEqual(['/srv/share', '/mnt/d1', '/mnt/d2']);
  });
});
