#!/usr/bin/env node
// Benchmark of one cluster controller pass decision (the pure scaler) over 10,000 simulated
// workers of 3 types in mixed states. Build first: npm run build.
// Prints one JSON document (milliseconds, MiB) to stdout.
// Usage: node bench/scaler.mjs [--workers N] [--runs N]
import { planPass } from '../dist/core/scaler/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const WORKERS = opt('--workers', 10_000);
const WARMUP = 5;
const RUNS = opt('--runs', 21);
const NOW = 1_700_000_000_000;
const MIN = 60_000;
const GiB = 2 ** 30;

/** Deterministic pseudo-random numbers, so every run plans the same cluster. */
function prng(seed) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function nodeType(name, cpus, memory, over = {}) {
  return {
    name,
    resources: { CPU: cpus, memory: memory * GiB, [name]: 1 },
    minWorkers: 0,
    maxWorkers: 6000,
    launchPriority: 0,
    launchHash: `hash-${name}`,
    ...over,
  };
}

function buildInput(n) {
  const rand = prng(42);
  const types = [
    nodeType('worker.small', 2, 4, { minWorkers: 100 }),
    nodeType('worker.default', 4, 8, { minWorkers: 500 }),
    nodeType('worker.large', 16, 64, { launchPriority: 1 }),
  ];
  const config = {
    headNodeType: 'head.default',
    workerTypes: Object.fromEntries(types.map((t) => [t.name, t])),
    maxWorkers: 12_000,
    upscalingSpeed: 1,
    idleTimeoutMs: 5 * MIN,
    heartbeatTimeoutMs: 30_000,
    headResources: { CPU: 4, memory: 8 * GiB, 'head.default': 1 },
  };
  const workers = [];
  const lastUsedAt = new Map();
  const updating = new Set();
  for (let i = 0; i < n; i++) {
    const t = types[i % 3];
    const r = rand();
    const id = `node-${i}`;
    const hb = rand();
    const w = {
      id,
      nodeType: t.name,
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      running: r > 0.01,
      status: r > 0.01 ? 'up-to-date' : 'exited',
      launchHash: rand() < 0.03 ? 'hash-old' : t.launchHash,
      createdAt: NOW - Math.floor(rand() * 120) * MIN,
      heartbeatAt: hb < 0.01 ? undefined : NOW - Math.floor(hb < 0.03 ? 40_000 + rand() * 20_000 : rand() * 3000),
      inUse: rand() < 0.4,
    };
    if (rand() < 0.02) w.status = 'update-failed';
    else if (rand() < 0.02) {
      w.status = 'setting-up';
      updating.add(id);
    }
    if (rand() < 0.5) w.available = { CPU: Math.floor(rand() * t.resources.CPU), memory: rand() * t.resources.memory };
    workers.push(w);
    if (rand() < 0.95) lastUsedAt.set(id, NOW - Math.floor(rand() * 8 * MIN));
  }
  const requests = [
    ...Array.from({ length: 5000 }, () => ({ CPU: 2 })),
    ...Array.from({ length: 300 }, () => ({ 'worker.large': 1 })),
  ];
  const demands = [
    ...Array.from({ length: 20_000 }, () => ({ CPU: 1, memory: 2 * GiB })),
    ...Array.from({ length: 2000 }, () => ({ CPU: 8 })),
    { CPU: 128 },
  ];
  return {
    config,
    workers,
    pending: { 'worker.small': 3, 'worker.default': 10 },
    requests,
    demands,
    updating,
    blockedTypes: { 'worker.small': 'backing off 4s after 2 failure(s): image missing' },
    now: NOW,
    memory: { lastUsedAt, startedAt: NOW - 60 * MIN },
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const round = (x) => +x.toFixed(2);

function main() {
  const input = buildInput(WORKERS);
  let result;
  for (let i = 0; i < WARMUP; i++) result = planPass(input);
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = planPass(input);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const mem = process.memoryUsage();
  const out = {
    [`scaler_pass_${WORKERS}_nodes`]: {
      median_ms: round(percentile(samples, 0.5)),
      p90_ms: round(percentile(samples, 0.9)),
      heap_used_mb: round(mem.heapUsed / 2 ** 20),
      rss_mb: round(mem.rss / 2 ** 20),
    },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  process.stderr.write(
    `pass: ${result.terminate.length} terminate, ${result.launch.map((l) => `${l.count} ${l.nodeType} (${l.reason})`).join(', ') || 'no launch'}, ` +
      `${result.recover.length} recover, ${result.infeasible.length} infeasible, ${result.messages.length} message(s)\n`,
  );
}

main();
