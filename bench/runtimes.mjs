#!/usr/bin/env node
// Runtimes: `start` of an example.yaml-shaped cluster (1 head + 3 workers, Prometheus + HDFS + YARN
// + Spark) until every DataNode and NodeManager registered, a tiny `submit` round trip, and the
// node-image builds (the warm check, and a rebuild of the package layer on top of Spark).
// Prints JSON (medians in ms) and writes .bench/runtimes.json. Usage: node bench/runtimes.mjs [--runs N] [--no-submit]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cli, docker, median, removeWorkspace, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
const SUBMIT = !args.includes('--no-submit');
const WS = `bench-rt-${process.pid}`;

async function headIp() {
  const [c] = await docker.listContainers({
    filters: { label: [`cloudtik-workspace-name=${WS}`, 'cloudtik-node-kind=head'] },
  });
  return Object.values(c.NetworkSettings.Networks)[0].IPAddress;
}

/** A JSON document from a head's web UI, or undefined while it does not answer. */
async function getJson(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Live DataNodes and active NodeManagers as the NameNode and the ResourceManager count them, read
 * from their web endpoints on the host: polling costs the cluster nothing (a `hdfs dfsadmin` or
 * `yarn node` client would start a JVM on the head every time).
 */
async function registered(ip) {
  const nn = await getJson(`http://${ip}:9870/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState`);
  const rm = await getJson(`http://${ip}:8088/ws/v1/cluster/metrics`);
  return { dn: nn?.beans?.[0]?.NumLiveDataNodes ?? 0, nm: rm?.clusterMetrics?.activeNodes ?? 0 };
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
      const ip = await headIp();
      for (;;) {
        const { dn, nm } = await registered(ip);
        if (dn >= 3 && nm >= 3) break;
        if (performance.now() - t0 > 300_000) throw new Error(`not registered: ${dn} DataNodes, ${nm} NodeManagers`);
        await new Promise((r) => setTimeout(r, 100));
      }
      registeredMs.push(performance.now() - t0);
      if (SUBMIT) {
        const s = await cli(['submit', file, job, ...names]);
        if (!s.out.includes('SUM 4950')) throw new Error(`unexpected job output: ${s.out}`);
        submitMs.push(s.ms);
      }
      await cli(['stop', file, '-y', ...names]);
    }
    result.start_example_all_registered = {
      medianMs: Math.round(median(registeredMs)),
      startCommandMs: Math.round(median(startMs)),
      samples: registeredMs.map(Math.round),
    };
    if (SUBMIT) result.submit_tiny_round_trip = { medianMs: Math.round(median(submitMs)), samples: submitMs.map(Math.round) };
  } finally {
    await removeWorkspace(WS, wsFile);
    await fs.rm(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(result, null, 2));
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'runtimes.json'), JSON.stringify(result, null, 2));
}

await main();
