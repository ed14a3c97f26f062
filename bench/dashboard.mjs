#!/usr/bin/env node
// First paint of the dashboard: the real `cloudtik dashboard` (from dist/, run as a user runs it)
// over a bare virtual cluster (1 head, no runtime) in a scratch CLOUDTIK_HOME, loaded in Debian's
// headless Chromium (playwright-core). Per load, in a fresh tab: the browser's own
// 'first-contentful-paint', and when the view's data was drawn (the page's `cloudtik:view-drawn`
// mark), both from navigation start; for the clusters list (`/`) and for the cluster's view
// (`/#/c/...`). The floor, measured in the same run and interleaved: the same timing of a one-line
// static page served by fastify (the dashboard's HTTP server) on loopback. Goal: first paint under
// 300 ms. Prints JSON and writes .bench/dashboard.json.
// Usage: npm run build && node bench/dashboard.mjs [--runs N]   (default 5; needs the node image)
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { chromium } from 'playwright-core';
import { CLI, cli, median, removeWorkspace, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--runs');
const RUNS = i >= 0 ? Number(args[i + 1]) : 5;
const CHROMIUM = '/usr/bin/chromium';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-dash-'));
process.env.CLOUDTIK_HOME = path.join(dir, 'home');
const ws = `bench-dash-${process.pid}`;
const wsFile = path.join(dir, 'ws.yaml');
const clusterFile = path.join(dir, 'cluster.yaml');
await fs.writeFile(wsFile, `workspace_name: ${ws}\nprovider:\n    type: virtual\n`);
await fs.writeFile(
  clusterFile,
  [
    'cluster_name: dash',
    `workspace_name: ${ws}`,
    'provider:',
    '    type: virtual',
    'runtime:',
    '    types: []',
    'available_node_types:',
    '    head.default:',
    '        node_config:',
    '            instance_type: {CPU: 1, memory: 1G}',
    '    worker.default:',
    '        min_workers: 0',
    '        node_config:',
    '            instance_type: {CPU: 1, memory: 512M}',
    '',
  ].join('\n'),
);

/** `cloudtik dashboard` as a child process; resolves with its URL (token included) and the process. */
function startDashboard() {
  const child = spawn(process.execPath, [CLI, 'dashboard'], {
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
      if (m) resolve({ url: m[0], child });
    });
    child.on('exit', (code) => reject(new Error(`cloudtik dashboard exited ${code}: ${out}`)));
  });
}

/** The floor: fastify serving one static line, on loopback. */
async function startFloor() {
  const app = Fastify();
  app.get('/', (_req, reply) => reply.type('text/html').send('<!doctype html><title>floor</title><p>floor</p>'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${app.server.address().port}/` };
}

/** Load `url` in a fresh tab: first contentful paint, and when the view was drawn (ms from navigation start). */
async function load(browser, url, drawnSelector) {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    if (drawnSelector) await page.locator(drawnSelector).first().waitFor();
    return await page.evaluate(
      () =>
        new Promise((resolve) => {
          const read = () => {
            const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime;
            if (fcp === undefined) return setTimeout(read, 10);
            resolve({ fcp, drawn: performance.getEntriesByName('cloudtik:view-drawn')[0]?.startTime });
          };
          read();
        }),
    );
  } finally {
    await page.close();
  }
}

let dashboard;
let floor;
let browser;
try {
  await cli(['workspace', 'create', wsFile, '-y']);
  await cli(['start', clusterFile, '-y']);
  dashboard = await startDashboard();
  floor = await startFloor();
  // /dev/shm is 64 MiB in a container (dev/fresh-machine-test.sh runs the suite in one): too small for Chromium.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-dev-shm-usage'] });
  const list = dashboard.url;
  const view = `${dashboard.url}#/c/virtual/${ws}/dash`;
  const targets = {
    floor: [floor.url, 'p'],
    clusters: [list, 'table.clusters'],
    cluster: [view, 'table.nodes tr[data-kind=head]'],
  };
  const times = Object.fromEntries(Object.keys(targets).map((k) => [k, { fcp: [], drawn: [] }]));
  // One round to warm the browser and the server, not counted; then the three interleaved.
  for (const [url, sel] of Object.values(targets)) await load(browser, url, sel);
  for (let r = 0; r < RUNS; r++) {
    for (const [name, [url, sel]] of Object.entries(targets)) {
      const t = await load(browser, url, sel);
      times[name].fcp.push(t.fcp);
      if (t.drawn !== undefined) times[name].drawn.push(t.drawn);
    }
  }
  const floorMs = median(times.floor.fcp);
  const results = { floor: { firstPaintMs: +floorMs.toFixed(1) } };
  for (const name of ['clusters', 'cluster']) {
    const fcp = median(times[name].fcp);
    results[name] = {
      firstPaintMs: +fcp.toFixed(1),
      ratio: +(fcp / floorMs).toFixed(2),
      drawnMs: +median(times[name].drawn).toFixed(1),
      firstPaintSamples: times[name].fcp.map((x) => Math.round(x)),
    };
  }
  const size = async (f) => (await fs.stat(path.join(ROOT, 'dist/dashboard/page', f))).size;
  const doc = {
    bench: 'dashboard',
    runs: RUNS,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((l) => +l.toFixed(2)),
    goalFirstPaintMs: 300,
    pageBytes: { html: await size('index.html'), js: await size('app.js'), css: await size('app.css') },
    results,
  };
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'dashboard.json'), JSON.stringify(doc, null, 2));
  console.log(JSON.stringify(doc, null, 2));
} finally {
  await browser?.close();
  await floor?.app.close();
  if (dashboard && dashboard.child.exitCode === null) {
    const exited = new Promise((r) => dashboard.child.once('exit', r));
    dashboard.child.kill('SIGINT');
    await exited;
  }
  await cli(['stop', clusterFile, '-y', '--hard']).catch(() => undefined);
  await removeWorkspace(ws, wsFile);
  await fs.rm(dir, { recursive: true, force: true });
}
