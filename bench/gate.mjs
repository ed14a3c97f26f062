#!/usr/bin/env node
// What the cluster's Docker gate costs per call: the same engine client (from dist/) runs the calls
// the controller makes (inspect; exec create + attached start + inspect of `true`; a container list)
// against the engine's own socket (the floor) and through a real gate (the gate server from dist/,
// with a policy for a scratch cluster) on the same engine, in the same run, interleaved.
// Prints JSON and writes .bench/gate.json. Usage: node bench/gate.mjs [--runs N]
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { docker, median, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--runs');
const RUNS = i >= 0 ? Number(args[i + 1]) : 31;

const { DockerEngine, demuxStream } = await import(path.join(ROOT, 'dist/providers/virtual/engine.js'));
const { serveGate } = await import(path.join(ROOT, 'dist/providers/virtual/gate-server.js'));
const { packageVersion } = await import(path.join(ROOT, 'dist/version.js'));
const { PassThrough } = await import('node:stream');

const ws = `bench-gate-${process.pid}`;
const cluster = 'bench';
const image = `cloudtik/cloudtik:${packageVersion()}`;
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-gate-'));
const socketPath = path.join(dir, 'engine.sock');
const policy = { workspace: ws, cluster, network: 'none', execUsers: ['root'], workerTypes: {} };
const stop = new AbortController();
const served = serveGate(
  { policy, engine: new DockerEngine({ socketPath: '/var/run/docker.sock' }), socketPath, log: () => undefined },
  stop.signal,
);
const name = `${ws}-${cluster}-${crypto.randomBytes(4).toString('hex')}`;
const container = await docker.createContainer({
  name,
  Image: image,
  Cmd: ['sleep', 'infinity'],
  Labels: { 'cloudtik-workspace-name': ws, 'cloudtik-cluster-name': cluster, 'cloudtik-node-kind': 'worker' },
  HostConfig: { Init: true, NetworkMode: 'none' },
});

async function execTrue(engine) {
  const exec = await engine.getContainer(name).exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start();
  demuxStream(stream, new PassThrough(), new PassThrough());
  await new Promise((r) => stream.on('close', r));
  return (await exec.inspect()).ExitCode;
}

const calls = {
  inspect: (e) => e.getContainer(name).inspect(),
  exec: execTrue,
  list: (e) => e.listContainers({ all: true, filters: { label: [`cloudtik-workspace-name=${ws}`] } }),
};

try {
  await container.start();
  const direct = new DockerEngine({ socketPath: '/var/run/docker.sock' });
  const gated = new DockerEngine({ socketPath });
  for (let n = 0; n < 100 && !(await fs.stat(socketPath).catch(() => false)); n++)
    await new Promise((r) => setTimeout(r, 50));
  const results = {};
  for (const [call, fn] of Object.entries(calls)) {
    await fn(direct);
    await fn(gated);
    const times = { direct: [], gate: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const [which, engine] of [
        ['direct', direct],
        ['gate', gated],
      ]) {
        const t0 = performance.now();
        await fn(engine);
        times[which].push(performance.now() - t0);
      }
    }
    const floorMs = median(times.direct);
    const gateMs = median(times.gate);
    results[call] = { floorMs: +floorMs.toFixed(2), gateMs: +gateMs.toFixed(2), ratio: +(gateMs / floorMs).toFixed(2) };
  }
  const doc = {
    bench: 'gate',
    runs: RUNS,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((l) => +l.toFixed(2)),
    results,
  };
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'gate.json'), JSON.stringify(doc, null, 2));
  console.log(JSON.stringify(doc, null, 2));
} finally {
  await container.remove({ force: true }).catch(() => undefined);
  stop.abort();
  await served;
  await fs.rm(dir, { recursive: true, force: true });
}
