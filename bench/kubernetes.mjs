#!/usr/bin/env node
// The kubernetes provider on the development Kubernetes (dev/k8s.sh, brought up if needed): a bare
// cluster of 1 head + 3 workers, `start` until every node is up-to-date and `stop` until nothing
// of it is left, against a floor measured in the same run: 4 pods of the same image and size
// created together, followed through a watch, each exec'd once through the API as soon as it is
// Running (goal: start <= 2x floor).
// Each phase begins on a quiet machine (see settle: the last phase's pods are still being removed).
// The development Kubernetes itself: `up` with the programs built (after a `down`), `load-images`
// of the node image into a containerd that has it and `down`; with --cold also a first `build`
// (empty Go caches and an empty cache folder, removed after; about 16 minutes on 2 cores).
// Prints JSON (medians) and writes .bench/kubernetes.json.
// Usage: npm run build && node bench/kubernetes.mjs [--runs N] [--cpu 500m] [--cold]
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cli, median, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('--runs', 3));
const CPU = opt('--cpu', '400m');
const MEMORY = '512Mi';

const COLD = args.includes('--cold');

const script = (a, env = process.env) => {
  const r = spawnSync('bash', [path.join(ROOT, 'dev/k8s.sh'), '--quiet', ...a], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`dev/k8s.sh ${a.join(' ')} exited ${r.status}\n${r.stderr}`);
  return r.stdout;
};
const timed = (a, env) => {
  const t0 = performance.now();
  script(a, env);
  return Math.round(performance.now() - t0);
};
const { packageInfo } = await import(path.join(ROOT, 'dist/core/host/package.js'));
const IMAGE = `cloudtik/cloudtik:${packageInfo().version}`;

/** A first build, from empty caches (its own folders, removed after). */
async function coldBuild() {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-k8s-cold-'));
  try {
    const env = {
      ...process.env,
      CLOUDTIK_K8S_CACHE: path.join(scratch, 'k8s'),
      GOCACHE: path.join(scratch, 'go-build'),
      GOMODCACHE: path.join(scratch, 'go-mod'),
    };
    return timed(['build'], env);
  } finally {
    spawnSync('chmod', ['-R', 'u+w', scratch]); // the module cache is read-only
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

const devCluster = { build_cold_ms: COLD ? await coldBuild() : null, build_cached_ms: timed(['build']) };
script(['up']);
script(['load-images', IMAGE]);
devCluster.down_ms = timed(['down']);
devCluster.up_ms = timed(['up']);
devCluster.load_images_cached_ms = timed(['load-images', IMAGE]);
const KUBECONFIG = /^export KUBECONFIG=(.*)$/m.exec(script(['env']))[1].replace(/^'(.*)'$/, '$1');
process.env.KUBECONFIG = KUBECONFIG;

const { kubeApi } = await import(path.join(ROOT, 'dist/providers/kubernetes/api.js'));
const { KubeExecRunner } = await import(path.join(ROOT, 'dist/providers/kubernetes/runner.js'));
const { PodWatch } = await import(path.join(ROOT, 'dist/providers/kubernetes/pod-watch.js'));
const { waitFor } = await import(path.join(ROOT, 'dist/core/deadline.js'));
const api = await kubeApi();

const run = crypto.randomBytes(2).toString('hex');
const ws = `bench-k8s-${run}`;
const home = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-k8s-'));
const env = { CLOUDTIK_HOME: home, KUBECONFIG };
const wsFile = path.join(home, 'workspace.yaml');
const clusterFile = path.join(home, 'cluster.yaml');
await fs.writeFile(wsFile, `workspace_name: ${ws}\nprovider: {type: kubernetes}\n`);
const size = `{resources: {cpu: ${CPU}, memory: ${MEMORY}}}`;
await fs.writeFile(
  clusterFile,
  [
    'cluster_name: bench',
    `workspace_name: ${ws}`,
    'provider: {type: kubernetes}',
    'available_node_types:',
    `  head.default: {node_config: ${size}}`,
    `  worker.default: {min_workers: 3, node_config: ${size}}`,
    'runtime: {types: []}',
    '',
  ].join('\n'),
);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Until the floor's pod `name` is Running, as `view` (a watch of the floor's pods) sees it: through
 * the deadline helper, looking again at each change the watch brings, as start follows its pods.
 */
function runningIn(view, name) {
  return waitFor(
    () => {
      if (view.pods().some((p) => p.metadata?.name === name && p.status?.phase === 'Running')) return true;
      if (!view.live) throw new Error(`the watch of the floor's pods ended before ${name} ran`);
      return undefined;
    },
    { what: `floor pod ${name} to run`, ms: 300_000, pauseMs: 1000, wake: (news) => view.onChange(news) },
  );
}

/**
 * 4 pods created together, each exec'd once as soon as it is Running (seen through a watch opened
 * beside their creation, as start follows its pods); milliseconds until the last exec ended.
 */
async function floor(i) {
  const t0 = performance.now();
  const watching = PodWatch.open(api, ws, `bench=${run}`);
  const [view, names] = await Promise.all([
    watching,
    Promise.all(
      [0, 1, 2, 3].map(async (n) => {
        const body = {
          metadata: { name: `floor-${i}-${n}`, labels: { 'app.kubernetes.io/managed-by': 'cloudtik', bench: run } },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'cloudtik-node',
                image: IMAGE,
                imagePullPolicy: 'IfNotPresent',
                command: ['sleep', 'infinity'],
                resources: { requests: { cpu: CPU, memory: MEMORY }, limits: { cpu: CPU, memory: MEMORY } },
              },
            ],
          },
        };
        const pod = await api.core.createNamespacedPod({ namespace: ws, body });
        return pod.metadata.name;
      }),
    ),
  ]).catch(async (err) => {
    (await watching.catch(() => undefined))?.close();
    throw err;
  });
  try {
    await Promise.all(
      names.map(async (pod) => {
        await runningIn(view, pod);
        const r = await new KubeExecRunner(api, { namespace: ws, pod, user: 'root' }).run({ command: 'true' });
        if (r.exitCode !== 0) throw new Error(`exec in ${pod} exited ${r.exitCode}`);
      }),
    );
  } finally {
    view.close();
  }
  const ms = Math.round(performance.now() - t0);
  await Promise.all(names.map((name) => api.core.deleteNamespacedPod({ name, namespace: ws, gracePeriodSeconds: 0 })));
  for (;;) {
    const pods = await api.core.listNamespacedPod({ namespace: ws, labelSelector: `bench=${run}` });
    if (pods.items.length === 0) return ms;
    await sleep(200);
  }
}

/** Busy and total CPU ticks of the machine so far (/proc/stat). */
async function cpuTicks() {
  const f = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

/**
 * Wait until the machine is quiet (under a quarter busy over half a second, at most 15 s): the
 * kubelet goes on removing a phase's containers after the API has forgotten its pods, and each
 * phase is measured without the last one's cleanup beside it.
 */
async function settle() {
  const t0 = performance.now();
  for (;;) {
    const a = await cpuTicks();
    await sleep(500);
    const b = await cpuTicks();
    if ((b.busy - a.busy) / Math.max(1, b.total - a.total) < 0.25 || performance.now() - t0 > 15_000) return;
  }
}

const samples = { floor: [], start: [], stop: [] };
try {
  await cli(['workspace', 'create', wsFile, '--yes'], env);
  for (let i = 0; i < RUNS; i++) {
    await settle();
    samples.floor.push(await floor(i));
    await settle();
    samples.start.push(Math.round((await cli(['start', clusterFile, '--yes'], env)).ms));
    await settle();
    samples.stop.push(Math.round((await cli(['stop', clusterFile, '--yes'], env)).ms));
  }
} finally {
  await cli(['stop', clusterFile, '--yes'], env).catch(() => undefined);
  await cli(['workspace', 'delete', wsFile, '--yes'], env).catch(() => undefined);
  await fs.rm(home, { recursive: true, force: true });
}

const m = { floor: median(samples.floor), start: median(samples.start), stop: median(samples.stop) };
const result = {
  bench: 'kubernetes',
  nodes: { head: 1, workers: 3 },
  size: { cpu: CPU, memory: MEMORY },
  runs: RUNS,
  median_ms: m,
  start_vs_floor: Number((m.start / m.floor).toFixed(2)),
  goal: 'start <= 2x floor',
  samples_ms: samples,
  dev_kubernetes_ms: devCluster,
  load: Number(os.loadavg()[0].toFixed(1)),
};
await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
await fs.writeFile(path.join(ROOT, '.bench', 'kubernetes.json'), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result, null, 2));
