import { describe, expect, it } from 'vitest';
import type { ClusterConfig, NodeTypeConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { launchHash } from '../updater/hashes.js';
import {
  firstWorkers,
  headHostMounts,
  installAheadRequests,
  newWorkers,
  nodeImage,
  planHead,
  planStart,
  plannedImage,
  plannedLaunchHash,
  withHeadRequests,
  type StartPlan,
} from './plan.js';

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

const HEAD_CASES = [
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
];

describe('planHead', () => {
  it.each(HEAD_CASES)('$name', ({ nodes, head, terminate, resume }) => {
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

describe('planStart', () => {
  const base = {
    ...config,
    auth: { ssh_user: 'u' },
    runtime: { types: [] },
    docker: {},
  } as unknown as ClusterConfig;
  const withDocker = (docker: object): ClusterConfig => ({ ...base, docker });

  it.each<{ name: string; config: ClusterConfig; head: string; workers: string[]; images: string[] }>([
    {
      name: 'no image named: the default image, tagged with the version, built once',
      config: base,
      head: 'cloudtik/cloudtik:1.2.3',
      workers: ['cloudtik/cloudtik:1.2.3'],
      images: ['cloudtik/cloudtik:1.2.3'],
    },
    {
      name: 'a head image and a worker image: both, the head first',
      config: withDocker({ head_image: 'my/head', worker_image: 'my/worker:7' }),
      head: 'my/head:1.2.3',
      workers: ['my/worker:7'],
      images: ['my/head:1.2.3', 'my/worker:7'],
    },
  ])('$name', ({ config: c, head, workers, images }) => {
    const plan = planStart(c, '1.2.3');
    expect(plan.head.image).toBe(head);
    expect(plan.workers.map((w) => [w.nodeType, w.image])).toEqual(workers.map((i) => ['worker.default', i]));
    expect(plan.images).toEqual(images);
    expect(plan.support).toEqual({
      image: head,
      workers: [
        {
          nodeType: 'worker.default',
          nodeConfig: c.available_node_types['worker.default']?.node_config,
          image: workers[0],
        },
      ],
    });
  });

  it('asks for one head of the head type, with the launch hash of its image and every worker folder mounted', () => {
    const plan = planStart(base, '1.2.3');
    expect(plan.headRequest).toEqual({
      kind: 'head',
      nodeType: 'head.default',
      nodeConfig: { data_dirs: ['/srv/share'] },
      image: 'cloudtik/cloudtik:1.2.3',
      launchHash: launchHash(base, 'head.default', 'cloudtik/cloudtik:1.2.3'),
      count: 1,
      hostMounts: ['/srv/share', '/mnt/d1', '/mnt/d2'],
    });
    expect(plannedLaunchHash(plan, 'worker', 'worker.default')).toBe(
      launchHash(base, 'worker.default', 'cloudtik/cloudtik:1.2.3'),
    );
  });

  it('a new image changes the launch hash (nodes on the old one are replaced)', () => {
    const a = planStart(base, '1.2.3');
    const b = planStart(base, '1.2.4');
    expect(a.head.launchHash).not.toBe(b.head.launchHash);
  });

  it('has no head to create when the head type is not defined', () => {
    const plan = planStart({ ...base, head_node_type: 'head.missing' }, '1.2.3');
    expect(plan.headRequest).toBeUndefined();
  });

  it('refuses the image of a type it did not plan', () => {
    expect(() => plannedImage(planStart(base, '1.2.3'), 'worker', 'worker.gone')).toThrow(
      /worker.gone is not in the start plan/,
    );
  });
});

describe('newWorkers', () => {
  it.each([
    { name: 'none before: every worker is new', before: [], after: ['h1', 'w1', 'w2'], want: ['w1', 'w2'] },
    { name: 'kept workers are not new', before: ['w1'], after: ['h1', 'w1', 'w2'], want: ['w2'] },
    { name: 'a worker gone since is not counted', before: ['w1'], after: ['h1'], want: [] },
  ])('$name', ({ before, after, want }) => {
    const nodes = (ids: string[]): NodeInfo[] => ids.map((id) => node(id, id.startsWith('h') ? 'head' : 'worker'));
    expect(newWorkers(nodes(before), nodes(after)).map((n) => n.id)).toEqual(want);
  });
});

describe('nodeImage', () => {
  const cfg = (docker: object, runtime: object = { types: [] }, types: object = {}): ClusterConfig =>
    ({
      ...config,
      docker,
      runtime,
      available_node_types: { ...config.available_node_types, ...types },
    }) as unknown as ClusterConfig;
  const head = { kind: 'head' as const, nodeType: 'head.default' };
  const worker = { kind: 'worker' as const, nodeType: 'worker.default' };
  it.each<{ name: string; config: ClusterConfig; node: typeof head | typeof worker; want: string }>([
    {
      name: 'nothing named, no runtimes: the default image',
      config: cfg({}),
      node: head,
      want: 'cloudtik/cloudtik:9.9',
    },
    {
      name: 'nothing named: the image of the first runtime that has one',
      config: cfg({}, { types: ['spark'] }),
      node: worker,
      want: 'cloudtik/spark-runtime:9.9',
    },
    { name: 'docker.image for every node', config: cfg({ image: 'my/img' }), node: worker, want: 'my/img:9.9' },
    {
      name: 'head_image over image on the head',
      config: cfg({ image: 'my/img', head_image: 'my/head:2' }),
      node: head,
      want: 'my/head:2',
    },
    {
      name: "a worker type's own worker_image over the cluster's",
      config: cfg({ worker_image: 'my/w' }, undefined, {
        'worker.default': { ...config.available_node_types['worker.default'], docker: { worker_image: 'my/own' } },
      }),
      node: worker,
      want: 'my/own:9.9',
    },
    {
      name: 'a registry port is not a tag',
      config: cfg({ image: 'registry:5000/my/img' }),
      node: head,
      want: 'registry:5000/my/img:9.9',
    },
  ])('$name', ({ config: c, node: n, want }) => {
    expect(nodeImage(c, n, '9.9')).toBe(want);
  });
});

describe('the first workers of a new cluster', () => {
  const cfg = {
    ...config,
    runtime: { types: ['hdfs'] },
    cloudtik_package_url: 'file:///pkg.tgz',
    available_node_types: {
      'head.default': type(0, 0),
      'worker.small': type(2, 8, { size: 's' }),
      'worker.capped': type(5, 1),
      'worker.none': type(0, 4),
    },
  } as unknown as ClusterConfig;
  const WORKER_TYPES = ['worker.small', 'worker.capped', 'worker.none'];
  const plan = {
    workers: WORKER_TYPES.map((t) => ({ nodeType: t, image: `img:${t}`, launchHash: `h:${t}` })),
  } as StartPlan;

  it("firstWorkers counts each worker type's min_workers within its max_workers, and leaves out types with none", () => {
    expect(firstWorkers(cfg, WORKER_TYPES).map((w) => [w.nodeType, w.count])).toEqual([
      ['worker.small', 2],
      ['worker.capped', 1],
    ]);
  });

  it('installAheadRequests: their machines, with runtimes, package and image', () => {
    expect(installAheadRequests(cfg, plan)).toEqual([
      {
        nodeType: 'worker.small',
        nodeConfig: { size: 's' },
        count: 2,
        runtimes: ['hdfs'],
        packageUrl: 'file:///pkg.tgz',
        image: 'img:worker.small',
      },
      {
        nodeType: 'worker.capped',
        nodeConfig: {},
        count: 1,
        runtimes: ['hdfs'],
        packageUrl: 'file:///pkg.tgz',
        image: 'img:worker.capped',
      },
    ]);
  });

  // Each want: node type, count, the seq id of its first node (after the head and the workers there are).
  it.each<{ name: string; existing: string[]; want: [string, number, number][] }>([
    {
      name: 'none there yet: all of them',
      existing: [],
      want: [
        ['worker.small', 2, 2],
        ['worker.capped', 1, 4],
      ],
    },
    {
      name: 'some there: the rest',
      existing: ['worker.small'],
      want: [
        ['worker.small', 1, 3],
        ['worker.capped', 1, 4],
      ],
    },
    { name: 'all there: none', existing: ['worker.small', 'worker.small', 'worker.capped'], want: [] },
    {
      name: 'workers of a type without min_workers do not count',
      existing: ['worker.none'],
      want: [
        ['worker.small', 2, 3],
        ['worker.capped', 1, 5],
      ],
    },
  ])('withHeadRequests: $name', ({ existing, want }) => {
    const requests = withHeadRequests(
      cfg,
      plan,
      existing.map((nodeType, i) => ({ nodeType, seqId: i + 2 })),
    );
    expect(requests.map((r) => [r.nodeType, r.count, r.seqIdFrom])).toEqual(want);
    for (const r of requests) {
      expect(r).toMatchObject({ kind: 'worker', image: `img:${r.nodeType}`, launchHash: `h:${r.nodeType}` });
    }
  });
});
