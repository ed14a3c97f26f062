import { describe, expect, it } from 'vitest';
import type { ClusterConfig, MergedCommands, NodeTypeConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { RERUN_SETUP, type UpdateMode } from '../plan-update/plan.js';
import { encodeInputParts } from '../updater/hashes.js';
import { decideStart, startTargets, type NodeStep, type RerunTargets } from './decide.js';
import { planStart } from './plan.js';

function commands(setup: string): MergedCommands {
  const group = (cmds: string[]): { name: string; commands: string[] }[] => [{ name: 'user', commands: cmds }];
  return {
    head_initialization_commands: [],
    worker_initialization_commands: [],
    head_setup_commands: group([setup]),
    worker_setup_commands: group([setup]),
    head_start_commands: group(['start-it']),
    worker_start_commands: group(['start-it']),
  } as unknown as MergedCommands;
}

function type(min: number, max: number, cpu = 1): NodeTypeConfig {
  return { node_config: { instance_type: { CPU: cpu } }, min_workers: min, max_workers: max, resources: { CPU: cpu } };
}

function baseConfig(): ClusterConfig {
  return {
    cluster_name: 'c',
    workspace_name: 'w',
    max_workers: 10,
    head_node_type: 'head.default',
    auth: { ssh_user: 'ubuntu' },
    docker: {},
    runtime: { types: [] },
    file_mounts: {},
    cluster_synced_files: [],
    options: { upscaling_speed: 1, idle_timeout_minutes: 5 },
    merged_commands: commands('echo one'),
    available_node_types: { 'head.default': type(0, 0), 'worker.default': type(1, 2) },
  } as unknown as ClusterConfig;
}

const FILES = 'files-v1';

/** The nodes of a cluster started from `config` and set up with `fileMountsHash`, as listed. */
function liveNodes(config: ClusterConfig, workers = 1): NodeInfo[] {
  const plan = planStart(config, '1.0');
  const targets = startTargets(config, config, plan, FILES);
  const node = (id: string, ip: string, kind: 'head' | 'worker'): NodeInfo => {
    const t = kind === 'head' ? targets.head : (targets.workers['worker.default'] as (typeof targets.workers)[string]);
    return {
      id,
      kind,
      nodeType: kind === 'head' ? 'head.default' : 'worker.default',
      seqId: 1,
      ip,
      state: 'running',
      running: true,
      createdAt: 0,
      limits: { cpus: 1, memoryBytes: 1 },
      tags: {
        [TAG.launchConfig]: t.launchHash,
        [TAG.runtimeConfig]: t.runtimeHash,
        [TAG.fileMountsContents]: FILES,
        [TAG.nodeStatus]: 'up-to-date',
        [TAG.setupInputs]: encodeInputParts(t.inputs),
      },
    };
  };
  const ws = Array.from({ length: workers }, (_, i) => node(`w${i + 1}`, `10.0.0.${i + 2}`, 'worker'));
  return [node('h1', '10.0.0.1', 'head'), ...ws];
}

interface Case {
  name: string;
  edit?: (c: ClusterConfig) => void;
  files?: string;
  mode?: UpdateMode;
  rerun?: RerunTargets;
  workers?: number;
  /** `id action [changed]` per step, in order. */
  want: string[];
}

function line(s: NodeStep): string {
  const who = s.node ?? `new×${s.count ?? 0}`;
  return [who, s.action, s.changed?.join('+')].filter((x) => x !== undefined && x !== '').join(' ');
}

function workerType(c: ClusterConfig): NodeTypeConfig {
  return c.available_node_types['worker.default'] as NodeTypeConfig;
}

const CASES: Case[] = [
  { name: 'nothing changed', want: ['h1 restart', 'w1 nothing'] },
  { name: 'nothing changed, --no-restart', mode: 'no-restart', want: ['h1 nothing', 'w1 nothing'] },
  {
    name: 'a setup command',
    edit: (c) => (c.merged_commands = commands('echo two')),
    want: ['h1 setup setup commands', 'w1 setup setup commands'],
  },
  {
    name: 'a setup command, --restart-only: the head only restarts, the controller still sets the worker up',
    edit: (c) => (c.merged_commands = commands('echo two')),
    mode: 'restart-only',
    want: ['h1 restart', 'w1 setup setup commands'],
  },
  {
    name: "a file mount's contents",
    files: 'files-v2',
    want: ['h1 setup file mount contents', 'w1 setup file mount contents'],
  },
  {
    name: 'the runtime config',
    edit: (c) => (c.runtime = { types: [], envs: { A: '1' } } as ClusterConfig['runtime']),
    want: ['h1 setup runtime config', 'w1 setup runtime config'],
  },
  {
    name: 'the package URL',
    edit: (c) => (c.cloudtik_package_url = 'file:///x.tgz'),
    want: ['h1 setup package', 'w1 setup package'],
  },
  {
    name: "the head type's resources: the head is replaced",
    edit: (c) => (c.available_node_types['head.default'] = type(0, 0, 2)),
    want: ['h1 replace node config', 'w1 restart'],
  },
  {
    name: "the worker type's resources: the worker is replaced",
    edit: (c) => (c.available_node_types['worker.default'] = type(1, 2, 2)),
    want: ['h1 restart', 'w1 replace node config'],
  },
  {
    name: 'the image: every node is replaced',
    edit: (c) => (c.docker = { image: 'cloudtik/other:1' } as ClusterConfig['docker']),
    want: ['h1 replace image', 'w1 replace image'],
  },
  {
    name: "the head type's resources, with a worker to set up: set up, not recovered",
    edit: (c) => {
      c.available_node_types['head.default'] = type(0, 0, 2);
      c.merged_commands = commands('echo two');
    },
    want: ['h1 replace node config', 'w1 setup setup commands'],
  },
  {
    name: 'more workers',
    edit: (c) => (workerType(c).min_workers = 2),
    want: ['h1 restart', 'w1 nothing', 'new×1 create'],
  },
  {
    name: 'fewer workers (max_workers below what runs)',
    edit: (c) => Object.assign(workerType(c), { min_workers: 1, max_workers: 1 }),
    workers: 2,
    want: ['h1 restart', 'w1 nothing', 'w2 terminate'],
  },
  { name: '--rerun-setup on every node', rerun: { all: true, ips: [] }, want: ['h1 setup', 'w1 setup'] },
  {
    name: '--rerun-setup --node-ip of the worker',
    rerun: { all: false, ips: ['10.0.0.2'] },
    want: ['h1 restart', 'w1 setup'],
  },
];

describe('decideStart', () => {
  it.each(CASES)('$name', (c) => {
    const before = baseConfig();
    const nodes = liveNodes(before, c.workers);
    const config = baseConfig();
    c.edit?.(config);
    const files = c.files ?? FILES;
    const targets = startTargets(config, config, planStart(config, '1.0'), files);
    const d = decideStart({
      config,
      mode: c.mode ?? 'full',
      nodes,
      ...targets,
      fileMountsHash: files,
      rerun: c.rerun,
      workspaceExists: true,
      missingImages: [],
      now: 1_000_000,
    });
    expect(d.nodes.map(line)).toEqual(c.want);
    expect(d.unknownIps).toEqual([]);
  });

  it('hands start what it acts on: the head to keep or retire, a forced setup, the workers to set up again', () => {
    const config = baseConfig();
    const targets = startTargets(config, config, planStart(config, '1.0'), FILES);
    const nodes = liveNodes(config, 2);
    const d = decideStart({
      config,
      mode: 'full',
      nodes,
      ...targets,
      fileMountsHash: FILES,
      rerun: { all: false, ips: ['10.0.0.1', '10.0.0.3', '10.9.9.9'] },
      workspaceExists: false,
      missingImages: [
        { ref: 'cloudtik/cloudtik:1.0', buildable: true },
        { ref: 'mine/own:1', buildable: false },
      ],
      now: 0,
    });
    expect(d.headPlan.head?.id).toBe('h1');
    expect(d.forceHeadSetup).toBe(true);
    expect(d.rerunWorkers).toEqual(['w2']);
    expect(d.unknownIps).toEqual(['10.9.9.9']);
    expect(d.items.map((i) => `${i.kind} ${i.name} ${i.action}`)).toEqual([
      'workspace w missing',
      'image cloudtik/cloudtik:1.0 build',
      'image mine/own:1 missing',
    ]);
  });

  it.each([
    {
      name: 'no nodes: the head is created, the controller launches min_workers',
      nodes: [],
      want: ['new×1 create', 'new×1 create'],
    },
    {
      name: 'a worker whose setup failed is replaced by a new one',
      nodes: 'failed',
      want: ['h1 restart', 'w1 terminate', 'new×1 create'],
    },
    {
      name: 'a worker asked to set up again (its tag) is set up',
      nodes: 'rerun-tag',
      want: ['h1 restart', 'w1 setup'],
    },
    {
      name: 'a node set up before inputs were recorded: the change is not named',
      nodes: 'untagged',
      want: ['h1 setup', 'w1 setup'],
    },
  ])('$name', ({ nodes: kind, want }) => {
    const config = baseConfig();
    let nodes: NodeInfo[] = [];
    if (kind !== undefined && typeof kind === 'string') {
      nodes = liveNodes(config);
      const w = nodes[1] as NodeInfo;
      if (kind === 'failed') w.tags[TAG.nodeStatus] = 'update-failed';
      if (kind === 'rerun-tag') w.tags[TAG.runtimeConfig] = RERUN_SETUP;
      if (kind === 'untagged') {
        for (const n of nodes) {
          delete n.tags[TAG.setupInputs];
          n.tags[TAG.runtimeConfig] = 'old';
        }
      }
    }
    const targets = startTargets(config, config, planStart(config, '1.0'), FILES);
    const d = decideStart({
      config,
      mode: 'full',
      nodes,
      ...targets,
      fileMountsHash: FILES,
      workspaceExists: true,
      missingImages: [],
      now: 0,
    });
    expect(d.nodes.map(line)).toEqual(want);
  });
});
