#!/usr/bin/env node
// One controller pass over 10,000 simulated workers: the real ClusterController (from dist/) with a
// provider and a state store kept in memory, so the figure is the controller's own cost (joining
// nodes with heartbeats, the scaler, events and status), not the engine's.
// Prints JSON and writes .bench/controller.json. Usage: node bench/controller.mjs [--nodes N] [--runs N]
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const NODES = opt('--nodes', 10_000);
const RUNS = opt('--runs', 21);

const { ClusterController } = await import(path.join(ROOT, 'dist/node/controller.js'));
const { MemoryStateStore } = await import(path.join(ROOT, 'dist/core/state/store.js'));
const { runtimeHash, fileMountsContentsHash } = await import(path.join(ROOT, 'dist/core/updater/hashes.js'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const TYPES = ['worker.small', 'worker.medium', 'worker.large'];
const now = Date.now();
const config = {
  cluster_name: 'bench',
  workspace_name: 'bench',
  max_workers: NODES + 100,
  head_node_type: 'head.default',
  provider: { type: 'virtual' },
  auth: { ssh_user: 'ubuntu' },
  docker: {},
  file_mounts: {},
  cluster_synced_files: [],
  rsync_exclude: [],
  rsync_filter: [],
  options: { upscaling_speed: 1, idle_timeout_minutes: 5 },
  runtime: { types: [] },
  merged_commands: {},
  available_node_types: {
    'head.default': { node_config: {}, min_workers: 0, max_workers: 0, resources: { CPU: 4 } },
    ...Object.fromEntries(
      TYPES.map((t, i) => [
        t,
        {
          node_config: {},
          min_workers: Math.floor(NODES / 4),
          max_workers: NODES,
          resources: { CPU: 2 ** (i + 1), memory: 2 ** (i + 31), [t]: 1 },
        },
      ]),
    ),
  },
};
const bootstrap = {
  format: 1,
  writtenAt: now,
  config,
  images: Object.fromEntries(TYPES.map((t) => [t, 'cloudtik/cloudtik:bench'])),
  launchHashes: Object.fromEntries(TYPES.map((t) => [t, `hash-${t}`])),
};

const mountsHash = await fileMountsContentsHash({});
const setupHash = Object.fromEntries(TYPES.map((t) => [t, runtimeHash(config, 'worker', t)]));

// Mixed states: mostly joined, some idle, some outdated, some without heartbeats, some dead.
const nodes = [];
const store = new MemoryStateStore();
for (let i = 0; i < NODES; i++) {
  const type = TYPES[i % TYPES.length];
  const id = `bench-node-${i}`;
  const dead = i % 997 === 0;
  const outdated = i % 501 === 0;
  nodes.push({
    id,
    kind: 'worker',
    nodeType: type,
    seqId: i + 2,
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    state: dead ? 'exited' : 'running',
    running: !dead,
    createdAt: now - 3_600_000,
    tags: {
      'cloudtik-node-status': 'up-to-date',
      'cloudtik-launch-config': outdated ? 'old' : `hash-${type}`,
      'cloudtik-runtime-config': setupHash[type],
      'cloudtik-file-mounts-contents': mountsHash,
    },
    limits: { cpus: 1, memoryBytes: 2 ** 30 },
  });
  if (i % 389 !== 0) {
    await store.putHeartbeat({
      nodeId: id,
      ip: '',
      kind: 'worker',
      nodeType: type,
      seqId: i + 2,
      time: now,
      cpus: 2,
      cpuUtilization: i % 3 === 0 ? 0.5 : 0,
      memoryTotal: 2 ** 31,
      memoryUsed: 2 ** 29,
      inUse: i % 3 === 0,
    });
  }
}

// The provider hands out the same snapshot each pass and forgets what the controller does, so every
// measured pass does the same amount of work.
const provider = {
  clusterName: 'bench',
  workspaceName: 'bench',
  listNodes: async () => nodes,
  createNodes: async () => [],
  terminateNodes: async () => undefined,
  killNode: async () => undefined,
  setTags: async () => undefined,
  commandRunner: () => {
    throw new Error('not in the benchmark');
  },
  cleanupCluster: async () => undefined,
  withClusterLock: async (_sink, fn) => fn(),
};
const silent = { info() {}, warn() {}, error() {}, debug() {} };

const times = [];
let last;
let heapUsed = 0;
const controller = new ClusterController({
  provider,
  store,
  loadBootstrap: async () => ({ bootstrap, hash: 'h' }),
  updateNode: async () => undefined,
  headIp: '10.0.0.1',
  nodeEnv: {},
  log: silent,
  heartbeatTimeoutMs: 30_000,
  readyTimeoutMs: 60_000,
});
for (let r = 0; r < RUNS + 3; r++) {
  // Launches and updates of the previous pass finish first (untimed): each pass starts the same.
  await controller.settle();
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  last = await controller.pass();
  const ms = performance.now() - t0;
  heapUsed = Math.max(heapUsed, process.memoryUsage().heapUsed - before);
  if (r >= 3) times.push(ms);
}
const result = {
  controller_pass: {
    nodes: NODES,
    runs: RUNS,
    medianMs: +median(times).toFixed(2),
    p90Ms: +[...times].sort((a, b) => a - b)[Math.floor(times.length * 0.9)].toFixed(2),
    heapPerPassMiB: +(heapUsed / 2 ** 20).toFixed(1),
    rssMiB: +(process.memoryUsage().rss / 2 ** 20).toFixed(1),
    decisions: {
      workers: last.workers.length,
      messages: last.messages.length,
    },
  },
};
console.log(JSON.stringify(result, null, 2));
await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
await fs.writeFile(path.join(ROOT, '.bench', 'controller.json'), JSON.stringify(result, null, 2));
