#!/usr/bin/env node
// Our own replacements side by side with the libraries they replaced, each loaded the way the CLI
// loads code (bundled with esbuild, the module imported lazily as a chunk of its own), each run in
// a fresh `node` process, interleaved. Per process: wall ms from process start to the first call
// done, CPU ms (user + sys) and peak RSS at that point; then, where it applies, a bulk workload
// timed on its own. The floor is a bundled entry that only reports (an empty node process).
// Ours is measured as compiled in dist/ now (run `npm run build` first). Our tar writer and our
// JSON logger were measured here too, against tar-fs and pino: too little gain, so the build
// context is written by tar-fs and the node services log through pino now (figures in
// bench/README.md).
// Prints JSON and writes .bench/libraries.json. Usage: node bench/libraries.mjs [--runs N]
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { median, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const RUNS = Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : '7');
const WORK = path.join(ROOT, '.bench', 'libraries');
const DIST = path.join(ROOT, 'dist');
const dist = (p) => JSON.stringify(path.join(DIST, p));
const LIST_ITEMS = 100_000;

// Every entry starts with this: its arguments, a snapshot of its costs, and the report it writes.
const PRELUDE = `
import fs from 'node:fs';
const [out, socketPath, redisPort] = process.argv.slice(2);
const snap = () => {
  const c = process.cpuUsage();
  return { ms: performance.now(), cpuMs: (c.user + c.system) / 1000, rssMiB: process.resourceUsage().maxRSS / 1024 };
};
let first;
const firstDone = () => (first = snap());
const report = (work, extra = {}) => {
  const end = snap();
  const w = work && { ms: end.ms - work.ms, cpuMs: end.cpuMs - work.cpuMs, rssMiB: end.rssMiB };
  fs.writeFileSync(out, JSON.stringify({ first: first ?? end, work: w, ...extra }));
  process.exit(0);
};
const check = (ok, what) => { if (!ok) throw new Error('bench check failed: ' + what); };
`;

const ENTRIES = {
  floor: `report();`,
  'docker/ours': `
    const { DockerEngine } = await import(${dist('providers/virtual/engine.js')});
    check((await new DockerEngine({ socketPath }).version()).ApiVersion, 'engine version');
    firstDone(); report();`,
  'docker/library': `
    const { default: Docker } = await import('dockerode');
    check((await new Docker({ socketPath }).version()).ApiVersion, 'engine version');
    firstDone(); report();`,
  'redis/ours': `
    const { RespConnection } = await import(${dist('core/state/resp.js')});
    const c = await RespConnection.open({ host: '127.0.0.1', port: Number(redisPort), connectTimeoutMs: 5000 });
    check((await c.call('PING')) === 'PONG', 'PING');
    await c.call('SET', 'bench:key', 'value');
    check((await c.call('GET', 'bench:key')) === 'value', 'GET');
    firstDone();
    const w = snap();
    check((await c.call('LRANGE', 'bench:list', 0, -1)).length === ${LIST_ITEMS}, 'LRANGE');
    report(w);`,
  'redis/library': `
    const m = await import('@redis/client');
    const createClient = m.createClient ?? m.default.createClient; // a CommonJS package
    const c = createClient({ socket: { host: '127.0.0.1', port: Number(redisPort) } });
    c.on('error', (e) => { throw e; });
    await c.connect();
    check((await c.ping()) === 'PONG', 'PING');
    await c.set('bench:key', 'value');
    check((await c.get('bench:key')) === 'value', 'GET');
    firstDone();
    const w = snap();
    check((await c.lRange('bench:list', 0, -1)).length === ${LIST_ITEMS}, 'LRANGE');
    report(w);`,
  'spinner/ours': `
    const { TerminalReporter } = await import(${dist('cli/render.js')});
    const r = new TerminalReporter({ json: false, verbose: false, live: false, color: false, out: process.stdout, err: process.stdout });
    r.event({ type: 'step', id: 'launch', title: 'Launching nodes', state: 'start' });
    r.event({ type: 'step', id: 'launch', title: 'Launching nodes', state: 'done', ms: 1 });
    r.close();
    firstDone(); report();`,
  'spinner/library': `
    const { Listr } = await import('listr2');
    await new Listr([{ title: 'Launching nodes', task: async () => undefined }]).run();
    firstDone(); report();`,
};

const PAIRS = {
  docker: { ours: 'src/providers/virtual/engine.ts', library: 'dockerode', call: 'engine version' },
  redis: {
    ours: 'src/core/state/resp.ts',
    library: '@redis/client',
    call: `PING, SET, GET; work: LRANGE of ${LIST_ITEMS} items`,
  },
  spinner: { ours: 'src/cli/render.ts', library: 'listr2', call: 'one task rendered to a non-TTY stream' },
};

/** Bundle every entry on its own, as scripts/bundle-cli.mjs bundles the CLI. */
async function bundle() {
  const sizes = {};
  for (const [name, body] of Object.entries(ENTRIES)) {
    const dir = path.join(WORK, 'out', name);
    const src = path.join(WORK, 'src', `${name.replace('/', '-')}.mjs`);
    await fs.writeFile(src, `${PRELUDE}\n${body}\n`);
    await fs.rm(dir, { recursive: true, force: true });
    await build({
      entryPoints: { main: src },
      outdir: dir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Native add-ons (optional in ssh2, under dockerode) cannot be bundled.
      external: ['*.node'],
      // Bundled CommonJS calls require() and reads __dirname (ssh2, under dockerode): give it Node's.
      banner: {
        js: "import { createRequire as __r } from 'node:module'; import { dirname as __d } from 'node:path'; import { fileURLToPath as __u } from 'node:url'; const require = __r(import.meta.url); const __filename = __u(import.meta.url); const __dirname = __d(__filename);",
      },
      logLevel: 'error',
      legalComments: 'none',
    });
    let bytes = 0;
    for (const f of await fs.readdir(dir)) bytes += (await fs.stat(path.join(dir, f))).size;
    sizes[name] = bytes;
  }
  return sizes;
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** Send RESP commands on one connection and wait for as many replies (each a one-line reply). */
function redisCommands(port, commands) {
  const encode = (a) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(String(x))}\r\n${x}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let lines = 0;
    s.on('data', (b) => {
      lines += b.toString('latin1').split('\r\n').length - 1;
      if (lines >= commands.length) s.end(resolve);
    });
    s.on('error', reject);
    s.write(commands.map(encode).join(''));
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; ; i++) {
    try {
      await redisCommands(port, [['PING']]);
      break;
    } catch (err) {
      if (i > 100) throw new Error(`redis-server on port ${port} did not answer within 10 s: ${err.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const push = [];
  for (let i = 0; i < LIST_ITEMS; i += 1000)
    push.push(['RPUSH', 'bench:list', ...Array.from({ length: 1000 }, (_, j) => `item-${i + j}`)]);
  await redisCommands(port, [['DEL', 'bench:list'], ...push]);
  return { port, child };
}

function runEntry(name, argv) {
  return new Promise((resolve, reject) => {
    const out = path.join(WORK, `${name.replace('/', '-')}.json`);
    const child = spawn(process.execPath, [path.join(WORK, 'out', name, 'main.js'), out, ...argv], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('close', async (code) => {
      if (code !== 0) return reject(new Error(`${name} exited ${code}\n${err}`));
      resolve(JSON.parse(await fs.readFile(out, 'utf8')));
    });
  });
}

const round = (x) => (x === undefined ? undefined : +x.toFixed(1));
function summarize(samples) {
  const of = (pick) => {
    const xs = samples.map(pick).filter((x) => x !== undefined);
    return xs.length ? round(median(xs)) : undefined;
  };
  return {
    firstCallMs: of((s) => s.first.ms),
    cpuMs: of((s) => s.first.cpuMs),
    peakRssMiB: of((s) => s.first.rssMiB),
    workMs: of((s) => s.work?.ms),
    workCpuMs: of((s) => s.work?.cpuMs),
    workPeakRssMiB: of((s) => s.work?.rssMiB),
    bytes: samples[0]?.bytes,
  };
}

function comparePair(ours, lib, floor) {
  const ratio = (a, b) => (a === undefined || !b ? undefined : +(a / b).toFixed(2));
  const keys = ['firstCallMs', 'cpuMs', 'peakRssMiB'];
  const over = (m) => Object.fromEntries(keys.map((k) => [k, round(m[k] - floor[k])]));
  return {
    oursToFloor: Object.fromEntries(keys.map((k) => [k, ratio(ours[k], floor[k])])),
    libraryToFloor: Object.fromEntries(keys.map((k) => [k, ratio(lib[k], floor[k])])),
    oursOverFloor: over(ours),
    libraryOverFloor: over(lib),
    librarySaved: Object.fromEntries(
      [...keys, 'workMs', 'workCpuMs'].map((k) => [k, ours[k] === undefined ? undefined : round(lib[k] - ours[k])]),
    ),
  };
}

async function main() {
  await fs.mkdir(path.join(WORK, 'src'), { recursive: true });
  const redis = await startRedis();
  try {
    const sizes = await bundle();
    const samples = Object.fromEntries(Object.keys(ENTRIES).map((n) => [n, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const name of Object.keys(ENTRIES)) {
        samples[name].push(await runEntry(name, ['/var/run/docker.sock', String(redis.port)]));
      }
    }
    const floor = summarize(samples.floor);
    const result = {
      when: new Date().toISOString(),
      node: process.version,
      host: { cpus: os.cpus().length, load: os.loadavg().map((x) => +x.toFixed(2)) },
      runs: RUNS,
      floor: { ...floor, bundleBytes: sizes.floor },
      pairs: {},
    };
    for (const [pair, about] of Object.entries(PAIRS)) {
      const ours = { ...summarize(samples[`${pair}/ours`]), bundleBytes: sizes[`${pair}/ours`] };
      const lib = { ...summarize(samples[`${pair}/library`]), bundleBytes: sizes[`${pair}/library`] };
      const version = JSON.parse(
        await fs.readFile(path.join(ROOT, 'node_modules', about.library, 'package.json'), 'utf8'),
      ).version;
      result.pairs[pair] = {
        call: about.call,
        ours: { module: about.ours, ...ours },
        library: { name: `${about.library} ${version}`, ...lib },
        ...comparePair(ours, lib, floor),
      };
    }
    await fs.writeFile(path.join(ROOT, '.bench', 'libraries.json'), JSON.stringify(result, null, 2));
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    redis.child.kill('SIGTERM');
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
