#!/usr/bin/env node
// `docker.enabled: true` on the onpremise provider: 3 fresh SSH test hosts (no Docker engine) in
// a pool; 1 head + 2 workers with HDFS, YARN and Spark in containers on the hosts. The first
// `start` (engines installed, the node image sent to each host over SSH) until every DataNode and
// NodeManager registered, then `stop` and a second `start` until the same (goal: <= 12 s). The
// floor of the image sending is `docker save` of the same image here into nothing, measured in the
// same run; `registryPushFloorMs` is that save gzipped as a push to a registry on the head would
// compress it, before any worker pulls (the other way images could reach hosts). Prints JSON and
// writes .bench/docker-hosts.json.
// Usage: npm run build && node --import tsx bench/docker-hosts.mjs [--runs N] [--verbose]
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { cli, docker, median, registered, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--runs');
const RUNS = i >= 0 ? Number(args[i + 1]) : 3;
const VERBOSE = args.includes('--verbose');
const WORKERS = 2;

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-dockerhosts-'));
process.env.CLOUDTIK_TEST_RUN ??= `bench${crypto.randomBytes(2).toString('hex')}`;
process.env.CLOUDTIK_HOME = home;
const { startSshHosts } = await import(path.join(ROOT, 'test/ssh-hosts.ts'));
const { freePort, startPoolService } = await import(path.join(ROOT, 'test/pool-service.ts'));
const { testWorkspace } = await import(path.join(ROOT, 'test/helpers.ts'));
const { packageInfo } = await import(path.join(ROOT, 'dist/core/host/package.js'));
const IMAGE = `cloudtik/spark-runtime:${packageInfo().version}`;
const env = { CLOUDTIK_HOME: home };

/** `start` until every DataNode and NodeManager registered; milliseconds, and what it said of images. */
async function startTimed(file, headIp) {
  const t0 = performance.now();
  const { out: stdout, err } = await cli(['start', file, '-y', ...(VERBOSE ? ['-v'] : [])], env);
  const out = stdout + err;
  if (VERBOSE) process.stderr.write(out);
  for (;;) {
    const r = await registered(headIp, WORKERS);
    if (r.dn === WORKERS && r.nm === WORKERS) break;
    if (performance.now() - t0 > 2_400_000) throw new Error(`not registered: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  const sends = [...out.matchAll(/: sent image \S+ \(([\d.]+) s\)/g)].map((m) => Number(m[1]) * 1000);
  return { ms: Math.round(performance.now() - t0), imagesSent: sends.length, sendMs: sends };
}

/**
 * `docker save` of the image into nothing: what sending it costs at least on this machine. With
 * `gzip`, the saved layers compressed as a push to a registry compresses them (gzip's default
 * level): what the registry way costs at least before any host pulls.
 */
async function saveFloorMs(gzip = false) {
  const t0 = performance.now();
  const saved = await docker.getImage(IMAGE).get();
  const stream = gzip ? saved.pipe(zlib.createGzip({ level: 6 })) : saved;
  for await (const chunk of stream) void chunk;
  return Math.round(performance.now() - t0);
}

const load = () => Number(os.loadavg()[0].toFixed(1));
const hosts = await startSshHosts(3, 'bdockhosts', { docker: true });
let pool;
try {
  const net = await docker.getNetwork(testWorkspace('bdockhosts')).inspect();
  const bind = net.IPAM.Config[0].Gateway;
  const poolFile = path.join(home, 'pool.yaml');
  const nodes = hosts.hosts.map((h) => `  - {ip: ${h.ip}, instance_type: node}`).join('\n');
  await fs.writeFile(poolFile, `instance_types:\n  node: {CPU: 2, memory: 4G}\nnodes:\n${nodes}\n`);
  pool = await startPoolService({ poolFile, bind, port: await freePort(), env });
  const ws = path.join(home, 'ws.yaml');
  await fs.writeFile(
    ws,
    `workspace_name: ws-bdh\nprovider: {type: onpremise, cloud_simulator_address: '${pool.address}'}\n`,
  );
  await cli(['workspace', 'create', ws, '-y'], env);
  const file = path.join(home, 'bdh.yaml');
  await fs.writeFile(
    file,
    [
      'cluster_name: bdh',
      'workspace_name: ws-bdh',
      `provider: {type: onpremise, cloud_simulator_address: '${pool.address}'}`,
      `auth: {ssh_user: ubuntu, ssh_private_key: ${hosts.keyPath}}`,
      'docker: {enabled: true}',
      'available_node_types:',
      '  head.default: {node_config: {instance_type: node}}',
      `  worker.default: {min_workers: ${WORKERS}, node_config: {instance_type: node}}`,
      '',
    ].join('\n'),
  );
  const headIp = hosts.hosts[0].ip;
  const floors = [await saveFloorMs(), await saveFloorMs(), await saveFloorMs()];
  const pushFloorMs = await saveFloorMs(true);
  const first = { ...(await startTimed(file, headIp)), load: load() };
  const again = [];
  for (let r = 0; r < RUNS; r++) {
    await cli(['stop', file, '-y'], env);
    again.push({ ...(await startTimed(file, headIp)), load: load() });
  }
  await cli(['stop', file, '-y'], env);
  const imageBytes = (await docker.getImage(IMAGE).inspect()).Size;
  const saveMs = median(floors);
  const result = {
    hosts: 3,
    runtimes: ['prometheus', 'hdfs', 'yarn', 'spark'],
    image: IMAGE,
    imageBytes,
    firstStartMs: first.ms,
    firstStartLoad: first.load,
    firstStartImagesSent: first.imagesSent,
    imageSendMs: first.sendMs,
    imageSaveFloorMs: saveMs,
    imageSendRatioToFloor: Number((median(first.sendMs) / saveMs).toFixed(2)),
    registryPushFloorMs: pushFloorMs,
    secondStartMs: median(again.map((a) => a.ms)),
    secondStartImagesSent: again.reduce((n, a) => n + a.imagesSent, 0),
    secondStartRuns: again.map(({ ms, load: l }) => ({ ms, load: l })),
    goals: { secondStartMs: 12_000 },
  };
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'docker-hosts.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await pool?.kill();
  await hosts.remove();
  await fs.rm(home, { recursive: true, force: true });
}
