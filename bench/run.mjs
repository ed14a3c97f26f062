#!/usr/bin/env node
// Benchmarks of the user-visible operations, against a floor measured in the same run.
// Prints one JSON document (medians in milliseconds) and writes it to .bench/results.json.
// Usage: node bench/run.mjs [--runs N] [--scale 1,4,8,16] [--quick]
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cli, docker, median, removeWorkspace, ROOT, summary } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const quick = args.includes('--quick');
const RUNS = Number(opt('--runs', quick ? '2' : '5'));
const SCALE = opt('--scale', quick ? '1,4' : '1,4,8,16')
  .split(',')
  .map(Number);
const WS = `bench-${process.pid}`;

async function clusterFile(dir, name, workers, extra = '') {
  const file = path.join(dir, `${name}.yaml`);
  await fs.writeFile(
    file,
    `cluster_name: ${name}\nworkspace_name: ${WS}\n${extra}provider:\n    type: virtual\nruntime:\n    types: []\navailable_node_types:\n    head.default:\n        node_config:\n            instance_type: {CPU: 4, memory: 4G}\n    worker.default:\n        node_config:\n            instance_type: {CPU: ${workers > 4 ? 1 : 4}, memory: ${workers > 4 ? '1G' : '4G'}}\n        min_workers: ${workers}\n`,
  );
  return file;
}

/** The floor: N containers from the same image created and started together, each answering one exec. */
async function floor(image, n) {
  const t0 = performance.now();
  const containers = await Promise.all(
    Array.from({ length: n }, async () => {
      const c = await docker.createContainer({
        Image: image,
        Cmd: ['sleep', 'infinity'],
        HostConfig: { Init: true, NetworkMode: `cloudtik-${WS}` },
        Labels: { 'cloudtik-workspace-name': WS },
      });
      await c.start();
      const e = await c.exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
      const s = await e.start({ hijack: true, stdin: false });
      await new Promise((r) => {
        s.on('end', r);
        s.on('close', r);
        s.resume();
      });
      return c;
    }),
  );
  const ms = performance.now() - t0;
  await Promise.all(containers.map((c) => c.remove({ force: true })));
  return ms;
}

/** The median of `samples` against the median of `floors`, measured in the same run. */
function againstFloor(samples, floors) {
  const { medianMs, samples: rounded } = summary(samples);
  const floorMs = median(floors);
  return { medianMs, floorMs, ratio: medianMs / floorMs, samples: rounded };
}

/** `cloudtik --help` against a bare Node start: the CLI's own start-up cost. */
async function measureHelp() {
  const help = [];
  for (let i = 0; i < Math.max(RUNS, 10); i++) help.push((await cli(['--help'])).ms);
  const nodeBare = [];
  for (let i = 0; i < Math.max(RUNS, 10); i++) {
    const t0 = performance.now();
    await new Promise((r) => spawn(process.execPath, ['-e', '0']).on('close', r));
    nodeBare.push(performance.now() - t0);
  }
  return { medianMs: median(help), nodeStartupMs: median(nodeBare), ratio: median(help) / median(nodeBare) };
}

/** start (new, then again with nothing changed) and stop of 1 head + 3 workers. */
async function measureStartStop(dir, image) {
  const f4 = [];
  for (let i = 0; i < RUNS; i++) f4.push(await floor(image, 4));
  const file = await clusterFile(dir, 'b4', 3);
  const starts = [];
  const restarts = [];
  const stops = [];
  for (let i = 0; i < RUNS; i++) {
    starts.push((await cli(['start', file, '-y'])).ms);
    restarts.push((await cli(['start', file, '-y'])).ms);
    stops.push((await cli(['stop', file, '-y'])).ms);
  }
  return {
    start_1h3w: againstFloor(starts, f4),
    restart_no_change: summary(restarts),
    stop_1h3w: summary(stops),
  };
}

/**
 * The head's controller at work: `scale` +4 workers to all joined (up-to-date and heartbeating),
 * and a killed worker replaced and joined again.
 */
async function measureController(dir, image) {
  const sc = await clusterFile(dir, 'sc', 0, 'options:\n    idle_timeout_minutes: 0\n');
  await cli(['start', sc, '-y']);
  const scaleUp = [];
  const f5 = [];
  for (let i = 0; i < RUNS; i++) {
    f5.push(await floor(image, 4));
    scaleUp.push((await cli(['scale', sc, '--workers', '4'])).ms);
    await cli(['scale', sc, '--workers', '0', '--no-wait']);
    await cli(['stop', sc, '-y', '--workers-only']);
    await cli(['start', sc, '-y']);
  }
  await cli(['scale', sc, '--workers', '1']);
  const heal = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await cli(['kill-node', sc, '-y']);
    await cli(['wait-for-ready', sc, '--min-workers', '1', '--timeout', '120']);
    heal.push(performance.now() - t0);
  }
  await cli(['stop', sc, '-y']);
  return {
    scale_up_4: againstFloor(scaleUp, f5),
    heal_killed_worker: summary(heal),
  };
}

/** start and stop at each worker count of --scale, each against its own floor. */
async function measureScale(dir, image) {
  const scale = {};
  for (const n of SCALE) {
    const f = await floor(image, n + 1);
    const sf = await clusterFile(dir, `s${n}`, n);
    const s = (await cli(['start', sf, '-y'])).ms;
    const st = (await cli(['stop', sf, '-y'])).ms;
    scale[`${n}_workers`] = {
      startMs: Math.round(s),
      stopMs: Math.round(st),
      floorMs: Math.round(f),
      ratio: +(s / f).toFixed(2),
    };
  }
  return scale;
}

/** Two decimals for every fractional figure of the result's sections. */
function rounded(result) {
  for (const v of Object.values(result)) {
    if (v && typeof v === 'object')
      for (const k of Object.keys(v)) if (typeof v[k] === 'number' && !Number.isInteger(v[k])) v[k] = +v[k].toFixed(2);
  }
  return result;
}

async function main() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-'));
  process.env.CLOUDTIK_HOME = path.join(dir, 'home');
  const version = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')).version;
  const image = `cloudtik/cloudtik:${version}`;
  const result = {
    when: new Date().toISOString(),
    host: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    runs: RUNS,
  };
  const wsFile = path.join(dir, 'ws.yaml');
  await fs.writeFile(wsFile, `workspace_name: ${WS}\nprovider:\n    type: virtual\n`);
  try {
    await cli(['image', 'build']);
    await cli(['workspace', 'create', wsFile]);
    result.help = await measureHelp();
    Object.assign(result, await measureStartStop(dir, image));
    Object.assign(result, await measureController(dir, image));
    result.scale = await measureScale(dir, image);
  } finally {
    await removeWorkspace(WS, wsFile);
    await fs.rm(dir, { recursive: true, force: true });
  }
  rounded(result);
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'results.json'), JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
