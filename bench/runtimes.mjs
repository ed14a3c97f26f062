#!/usr/bin/env node
// Runtimes: `start` of an example.yaml-shaped cluster (1 head + 3 workers, Prometheus + HDFS + YARN
// + Spark) until every DataNode and NodeManager registered, a tiny `submit` round trip, and the
// node-image builds (the warm check, and a rebuild of the package layer on top of Spark).
// Prints JSON (medians in ms) and writes .bench/runtimes.json. Usage: node bench/runtimes.mjs [--runs N]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cli, docker, median, removeWorkspace, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
const WS = `bench-rt-${process.pid}`;

/** Run a command in a container as the node user and return its stdout. */
async function inNode(id, command) {
  const exec = await docker.getContainer(id).exec({
    Cmd: ['runuser', '-u', 'ubuntu', '--', 'bash', '-lc', command],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  let out = '';
  stream.on('data', (b) => (out += b.toString('latin1')));
  await new Promise((r) => stream.on('end', r));
  return out;
}

async function headId() {
  const [c] = await docker.listContainers({
    filters: { label: [`cloudtik-workspace-name=${WS}`, 'cloudtik-node-kind=head'] },
  });
  return c.Id;
}

async function main() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-rt-'));
  process.env.CLOUDTIK_HOME = path.join(dir, 'home');
  const wsFile = path.join(dir, 'ws.yaml');
  await fs.writeFile(wsFile, `workspace_name: ${WS}\nprovider:\n    type: virtual\n`);
  const file = path.join(ROOT, 'test/fixtures/cloudtik/example.yaml');
  const names = ['--workspace-name', WS, '-n', 'example'];
  const result = { when: new Date().toISOString(), host: { cpus: os.cpus().length }, runs: RUNS };
  try {
    let t0 = performance.now();
    await cli(['image', 'build']);
    result.image_build_warm = { ms: Math.round(performance.now() - t0) };
    await cli(['workspace', 'create', wsFile]);
    const startMs = [];
    const registeredMs = [];
    const submitMs = [];
    const job = path.join(dir, 'tiny.py');
    await fs.writeFile(
      job,
      'from pyspark.sql import SparkSession\ns = SparkSession.builder.appName("tiny").getOrCreate()\nprint("SUM", s.sparkContext.parallelize(range(100), 3).sum())\ns.stop()\n',
    );
    for (let i = 0; i < RUNS; i++) {
      t0 = performance.now();
      await cli(['start', file, '-y', ...names]);
      startMs.push(performance.now() - t0);
      const head = await headId();
      for (;;) {
        const report = await inNode(
          head,
          'hdfs dfsadmin -report 2>/dev/null | grep -c "^Name:"; yarn node -list 2>/dev/null | grep -c RUNNING',
        );
        const [dn, nm] = report
          .replace(/[^\d\n]/g, '')
          .trim()
          .split('\n')
          .map(Number);
        if (dn >= 3 && nm >= 3) break;
        if (performance.now() - t0 > 300_000) throw new Error(`not registered: ${report}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      registeredMs.push(performance.now() - t0);
      const s = await cli(['submit', file, job, ...names]);
      if (!s.out.includes('SUM 4950')) throw new Error(`unexpected job output: ${s.out}`);
      submitMs.push(s.ms);
      await cli(['stop', file, '-y', ...names]);
    }
    result.start_example_all_registered = {
      medianMs: Math.round(median(registeredMs)),
      startCommandMs: Math.round(median(startMs)),
      samples: registeredMs.map(Math.round),
    };
    result.submit_tiny_round_trip = { medianMs: Math.round(median(submitMs)), samples: submitMs.map(Math.round) };
  } finally {
    await removeWorkspace(WS, wsFile);
    await fs.rm(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(result, null, 2));
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'runtimes.json'), JSON.stringify(result, null, 2));
}

await main();
