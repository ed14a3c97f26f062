#!/usr/bin/env node
// The host-pool service (`cloudtik simulator`): 4 clients at once, each doing 250 round trips of
// "take one host for my cluster" (create_node) and "give it back" (terminate_nodes) against the
// built service with 8 hosts of one type. Reports the round trip's p50 and p99 and the total, and
// checks that no host was held by two clients at once. The floor, in the same run: as many HTTP
// round trips (two requests each, same client code) against a bare node:http server answering {};
// and two calls that change nothing against the service, to tell the HTTP cost from the writes'.
// Prints JSON and writes .bench/simulator.json.
// Usage: npm run build && node bench/simulator.mjs [--clients N] [--rounds N]
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CLI, median, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const CLIENTS = opt('--clients', 4);
const ROUNDS = opt('--rounds', 250);
/** Round trips per client before the measured ones (the JIT warms up, connections are made). */
const WARMUP = opt('--warmup', 25);
const HOSTS = 8;

const { PoolClient } = await import(path.join(ROOT, 'dist/providers/onpremise/client.js'));

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const round2 = (x) => Math.round(x * 100) / 100;

/** Starts a child process and resolves with it once its stdout matches `ready` (the match). */
function startChild(argv, env, ready) {
  const child = spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (b) => (err += b));
  const exited = new Promise((resolve) => child.on('close', resolve));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (b) => {
      out += b;
      const m = ready.exec(out);
      if (m) resolve({ child, match: m, exited });
    });
    child.on('close', (code) => reject(new Error(`exited ${code} before it was ready\n${out}\n${err}`)));
  });
}

/**
 * `CLIENTS` clients at once, each running `roundTrip(client, i)` `WARMUP` times unmeasured, then
 * `ROUNDS` times measured; times in ms.
 */
async function drive(address, token, roundTrip) {
  const clients = Array.from({ length: CLIENTS }, () => new PoolClient(address, token));
  await Promise.all(
    clients.map(async (client, i) => {
      for (let r = 0; r < WARMUP; r++) await roundTrip(client, i, false);
    }),
  );
  const times = [];
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      for (let r = 0; r < ROUNDS; r++) {
        const start = performance.now();
        await roundTrip(client, i, true);
        times.push(performance.now() - start);
      }
    }),
  );
  const totalMs = performance.now() - t0;
  for (const c of clients) c.close();
  return { times, totalMs };
}

/** Pairs of holdings [host, from, to] of one host that overlap in time. */
function overlaps(holdings) {
  const byHost = new Map();
  for (const h of holdings) byHost.set(h[0], [...(byHost.get(h[0]) ?? []), h]);
  let found = 0;
  for (const list of byHost.values()) {
    list.sort((a, b) => a[1] - b[1]);
    for (let i = 1; i < list.length; i++) if (list[i][1] < list[i - 1][2]) found++;
  }
  return found;
}

async function service(home) {
  const nodes = Array.from({ length: HOSTS }, (_, i) => `  - {ip: 10.77.0.${i + 1}, instance_type: t}`).join('\n');
  const file = path.join(home, 'pool.yaml');
  await fs.writeFile(file, `instance_types:\n  t: {CPU: 2, memory: 4G}\nnodes:\n${nodes}\n`);
  const started = await startChild(
    [CLI, 'simulator', file, '--port', '0'],
    { CLOUDTIK_HOME: home, CI: 'true' },
    /host-pool service at ([\d.]+:\d+)/,
  );
  const token = (await fs.readFile(path.join(home, 'onpremise', 'cloudtik-cloud-simulator.token'), 'utf8')).trim();
  const admin = new PoolClient(started.match[1], token);
  await admin.call('create_workspace', 'bench');
  const holdings = [];
  const run = await drive(started.match[1], token, async (client, i) => {
    const cluster = `bench-${i}`;
    const ids = await client.call(
      'create_node',
      { instance_type: 't' },
      { 'cloudtik-cluster-name': cluster, 'cloudtik-workspace-name': 'bench' },
      1,
    );
    const from = performance.now();
    const to = performance.now();
    await client.call('terminate_nodes', ids, { cluster, workspace: 'bench' });
    for (const id of ids) holdings.push([id, from, to]);
  });
  // The same service answering calls that change nothing: what is left of a round trip without
  // the state written (and synced) before each answer.
  const reads = await drive(started.match[1], token, async (client) => {
    await client.call('describe_node', '10.77.0.1');
    await client.call('describe_node', '10.77.0.2');
  });
  const status = await admin.call('status');
  await admin.call('shutdown');
  admin.close();
  await started.exited;
  return { ...run, holdings, refused: status.refused.length, reads };
}

async function floor() {
  const script =
    "const s=require('node:http').createServer((q,r)=>{q.resume();q.on('end',()=>{r.writeHead(200,{'Content-Type':'application/json','Content-Length':2});r.end('{}')})});s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port))";
  const started = await startChild(['-e', script], {}, /port (\d+)/);
  const run = await drive(`127.0.0.1:${started.match[1]}`, 'x', async (client) => {
    await client.call('status');
    await client.call('status');
  });
  started.child.kill();
  await started.exited;
  return run;
}

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-simulator-'));
try {
  const svc = await service(home);
  const bare = await floor();
  const p50 = percentile(svc.times, 50);
  const result = {
    hosts: HOSTS,
    clients: CLIENTS,
    roundTrips: svc.times.length,
    roundTripMs: { p50: round2(p50), p99: round2(percentile(svc.times, 99)), median: round2(median(svc.times)) },
    totalMs: Math.round(svc.totalMs),
    hostsHeldTwice: overlaps(svc.holdings),
    refusedLaunches: svc.refused,
    readsOnly: {
      what: 'two describe_node calls per round trip to the same service (nothing written)',
      roundTripMs: { p50: round2(percentile(svc.reads.times, 50)), p99: round2(percentile(svc.reads.times, 99)) },
    },
    floor: {
      what: 'two HTTP requests per round trip to a bare node:http server answering {}',
      roundTripMs: { p50: round2(percentile(bare.times, 50)), p99: round2(percentile(bare.times, 99)) },
      totalMs: Math.round(bare.totalMs),
    },
    ratioP50: round2(p50 / percentile(bare.times, 50)),
    cpus: os.cpus().length,
    load: Number(os.loadavg()[0].toFixed(1)),
  };
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'simulator.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  if (result.hostsHeldTwice > 0) process.exitCode = 1;
} finally {
  await fs.rm(home, { recursive: true, force: true });
}
