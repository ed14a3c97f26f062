#!/usr/bin/env node
// Bare-host install: the first install of every layer (Node, cloudtik, Java, Hadoop, Spark,
// Prometheus) on a plain Debian host, then repeated installs that find every layer in place, against
// the floor of one command round trip to the same host. The host is a container from
// cloudtik/debian with only sudo and a sudo user added, reached with the docker-exec runner until the
// SSH runner lands. Needs `npm run build` and the download cache (`cloudtik image build` fills it).
// Prints JSON (ms; medians of --runs repeats) and writes .bench/host-install.json.
// Usage: node bench/host-install.mjs [--runs N]
import fs from 'node:fs/promises';
import path from 'node:path';
import { median, ROOT } from './lib.mjs';
import { connectDocker } from '../dist/providers/virtual/docker-client.js';
import { DockerExecRunner } from '../dist/providers/virtual/docker-runner.js';
import { installHost } from '../dist/core/host/install.js';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
const NAME = `bench-br-host-${process.pid}`;
const RUNTIMES = ['hdfs', 'yarn', 'spark', 'prometheus'];

async function exec(container, script) {
  const runner = new DockerExecRunner(engine, NAME, 'root');
  const r = await runner.execArgv(['bash', '-c', script]);
  if (r.exitCode !== 0) throw new Error(`${script}: exit ${r.exitCode}\n${r.stderr}`);
}

const engine = await connectDocker();
const container = await engine.createContainer({
  name: NAME,
  Image: 'cloudtik/debian:bookworm',
  Cmd: ['sleep', 'infinity'],
  Labels: { 'cloudtik-workspace-name': NAME },
  HostConfig: { Init: true },
});
try {
  await container.start();
  await exec(
    container,
    'set -e; export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null; ' +
      'apt-get install -y -q --no-install-recommends sudo >/dev/null; useradd -m -s /bin/bash ubuntu; ' +
      "echo 'ubuntu ALL=(ALL:ALL) NOPASSWD: ALL' > /etc/sudoers.d/ubuntu",
  );
  const runner = new DockerExecRunner(engine, NAME, 'ubuntu');
  const install = async () => {
    const steps = {};
    const sink = (e) => {
      if (e.type === 'step' && e.state === 'done') steps[e.id.split(':').slice(2).join(':')] = e.ms;
    };
    const t0 = performance.now();
    const result = await installHost({ runner, runtimes: RUNTIMES, sink });
    return { ms: performance.now() - t0, result, steps };
  };
  const first = await install();
  const again = [];
  const floor = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await runner.run({ command: 'true' });
    floor.push(performance.now() - t0);
    again.push(await install());
  }
  const secondMs = median(again.map((r) => r.ms));
  const out = {
    bench: 'host-install',
    runs: RUNS,
    firstInstallMs: Math.round(first.ms),
    firstLayersMs: Object.fromEntries(first.result.layers.map((l) => [l.layer, l.ms])),
    firstStepsMs: first.steps,
    firstUploaded: { files: first.result.uploadedFiles, bytes: first.result.uploadedBytes, ms: first.steps.upload },
    secondInstallMs: Math.round(secondMs),
    secondUploadedFiles: Math.max(...again.map((r) => r.result.uploadedFiles)),
    secondAllCached: again.every((r) => r.result.layers.every((l) => l.state === 'cached')),
    floorRoundTripMs: Math.round(median(floor)),
    secondToFloor: Number((secondMs / median(floor)).toFixed(1)),
  };
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'host-install.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
} finally {
  await container.remove({ force: true }).catch(() => undefined);
}
