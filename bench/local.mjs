#!/usr/bin/env node
// The local provider on fresh SSH test hosts (1 head + 3 workers; Prometheus, HDFS, YARN, Spark):
// the first `start` on fresh hosts (everything installed from the pinned lists) until every
// DataNode and NodeManager registered, then `stop` and a second `start` until the same (goals:
// <= 120 s and <= 12 s). Each figure comes with the load average it was taken at; the exec round
// trip against `ssh host true` is bench/ssh.mjs. Prints JSON and writes .bench/local.json.
// Usage: npm run build && node --import tsx bench/local.mjs [--runs N] [--verbose]
// (--verbose: each start's own output, with its steps' times, on stderr)
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median, registered, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--runs');
const RUNS = i >= 0 ? Number(args[i + 1]) : 3;
const VERBOSE = args.includes('--verbose');

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-local-'));
process.env.CLOUDTIK_TEST_RUN ??= `bench${crypto.randomBytes(2).toString('hex')}`;
process.env.CLOUDTIK_HOME = home;
const { LocalHosts } = await import(path.join(ROOT, 'test/local-hosts.ts'));
const { hostRepositories } = await import(path.join(ROOT, 'dist/core/host/downloads.js'));
const { runProgram } = await import(path.join(ROOT, 'test/helpers.ts'));

const SIZE = '  instance_types:\n    default: {CPU: 2, memory: 4G}\n';
const BODY = 'available_node_types:\n  worker.default:\n    min_workers: 3\n';

/** `start` until 3 DataNodes and 3 NodeManagers registered; milliseconds. */
async function startTimed(lh, ip, env) {
  const t0 = performance.now();
  const out = await lh.headOk(`start ~/cluster.yaml -y${VERBOSE ? ' -v' : ''}`, 2400, env);
  if (VERBOSE) process.stderr.write(out);
  for (;;) {
    const r = await registered(ip);
    if (r.dn === 3 && r.nm === 3) return Math.round(performance.now() - t0);
    if (performance.now() - t0 > 2_400_000) throw new Error(`not registered: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const load = () => Number(os.loadavg()[0].toFixed(1));
const lh = await LocalHosts.start(4, 'blocal');
try {
  const ip = lh.list[0].ip;
  await lh.put('cluster.yaml', lh.clusterYaml(BODY, 'blocal', SIZE));
  const index = (
    await runProgram('python3', ['-c', 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)'])
  ).stdout.trim();
  const env = { CLOUDTIK_MAVEN_REPO: await hostRepositories().maven(), PIP_INDEX_URL: index };
  const first = { ms: await startTimed(lh, ip, env), load: load() };
  const again = [];
  for (let r = 0; r < RUNS; r++) {
    await lh.headOk('stop ~/cluster.yaml -y', 600);
    again.push({ ms: await startTimed(lh, ip, env), load: load() });
  }
  await lh.headOk('stop ~/cluster.yaml -y', 600);
  const result = {
    hosts: 4,
    runtimes: ['prometheus', 'hdfs', 'yarn', 'spark'],
    firstStartMs: first.ms,
    firstStartLoad: first.load,
    secondStartMs: median(again.map((a) => a.ms)),
    secondStartRuns: again,
    goals: { firstStartMs: 120_000, secondStartMs: 12_000 },
  };
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'local.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await lh.remove();
  await fs.rm(home, { recursive: true, force: true });
}
