#!/usr/bin/env node
// The Kubernetes client as the CLI loads it, side by side with how it loaded it before: the
// CommonJS bundle in dist/bin through V8's code cache (src/core/code-cache.ts; the cache written by
// a first run, not timed) against the same client bundled as an ES module and imported (what Node
// 20 can only compile anew each time), and against the CommonJS bundle as it was before the
// packages of kubeClientLazy (scripts/bundle-shared.mjs) were left out of its start (through the
// cache too). Each sample is a fresh `node` process, interleaved; per process the wall ms and CPU
// ms (user + sys) from its start until the client's exports are there. The floor is a process that
// only reports. Node 22+ keeps compiled ES modules by itself (bin/cloudtik.js turns its cache on),
// so the gain is Node 20's, where this machine's CLI runs. Then the command line itself, whole
// commands (`--version`, `plan` of an example cluster), as the CLI runs it (one CommonJS bundle
// through the code cache) and as it was built before (ES modules, a chunk per lazily imported
// module); see commandLine below.
// Prints JSON and writes .bench/code-cache.json. Usage: npm run build && node bench/code-cache.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { esmChunks, nodeBundle } from '../scripts/bundle-shared.mjs';
import { median, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const RUNS = Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : '9');
const WORK = path.join(ROOT, '.bench', 'code-cache');
await fs.rm(WORK, { recursive: true, force: true });
await fs.mkdir(WORK, { recursive: true });

/** The client bundled (minified, as the CLI bundles it) into `file` of the work folder. */
async function bundleClient(file, options) {
  await build({
    entryPoints: [path.join(ROOT, 'src/providers/kubernetes/client-lib.ts')],
    outfile: path.join(WORK, file),
    ...nodeBundle,
    minify: true,
    keepNames: true,
    logLevel: 'warning',
    ...options,
  });
  return path.join(WORK, file);
}

const esm = await bundleClient('kube-client.mjs', {
  format: 'esm',
  banner: esmChunks.banner,
});
// The client as the CLI bundled it before kubeClientLazy: every package it requires loaded at its
// start.
const eager = await bundleClient('kube-client-eager.cjs', { format: 'cjs' });

const report = `const c = process.cpuUsage(); console.log(JSON.stringify({ ms: performance.now(), cpuMs: (c.user + c.system) / 1000, n }));`;
/** An entry that loads the CommonJS bundle `file` through the code cache. */
const cached = (file) =>
  [
    `const { requireWithCodeCache } = await import(${JSON.stringify(path.join(ROOT, 'dist/core/code-cache.js'))});`,
    `const n = Object.keys(requireWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(path.join(WORK, 'cache'))}).kubeClient).length;`,
    report,
  ].join('\n');
const entries = {
  floor: `const n = 0; ${report}`,
  esm_import: `const n = Object.keys((await import(${JSON.stringify(esm)})).kubeClient).length; ${report}`,
  cjs_code_cache_eager: cached(eager),
  cjs_code_cache: cached(path.join(ROOT, 'dist/bin/kube-client.cjs')),
};
const files = {};
for (const [name, text] of Object.entries(entries)) {
  files[name] = path.join(WORK, `${name}.mjs`);
  await fs.writeFile(files[name], text);
}

const once = (name) => {
  const r = spawnSync(process.execPath, [files[name]], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
once('cjs_code_cache_eager'); // write the caches
once('cjs_code_cache');
const samples = Object.fromEntries(Object.keys(entries).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) for (const name of Object.keys(entries)) samples[name].push(once(name));
const exportsSeen = new Set(Object.entries(samples).flatMap(([k, s]) => (k === 'floor' ? [] : s.map((x) => x.n))));
if (exportsSeen.size !== 1) throw new Error(`the loads gave different exports: ${[...exportsSeen].join(', ')}`);

const med = (name, key) => Math.round(median(samples[name].map((s) => s[key])) * 10) / 10;
const floor = { ms: med('floor', 'ms'), cpuMs: med('floor', 'cpuMs') };
const side = (name) => {
  const ms = med(name, 'ms');
  const cpuMs = med(name, 'cpuMs');
  return {
    ms,
    cpuMs,
    ms_over_floor: Math.round((ms - floor.ms) * 10) / 10,
    cpu_over_floor: Math.round((cpuMs - floor.cpuMs) * 10) / 10,
  };
};
const result = {
  bench: 'code-cache',
  node: process.version,
  runs: RUNS,
  floor,
  esm_import: side('esm_import'),
  cjs_code_cache_eager: side('cjs_code_cache_eager'),
  cjs_code_cache: side('cjs_code_cache'),
};
const ratio = (a, b) => Math.round((a.cpu_over_floor / b.cpu_over_floor) * 100) / 100;
result.cpu_ratio = ratio(result.esm_import, result.cjs_code_cache);
result.lazy_cpu_ratio = ratio(result.cjs_code_cache_eager, result.cjs_code_cache);
result.cli = await commandLine();
await fs.writeFile(path.join(ROOT, '.bench', 'code-cache.json'), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result, null, 2));

/**
 * The command line itself, whole commands in fresh processes: as the CLI runs it (bin/cloudtik.js,
 * dist/bin/main.js loading dist/bin/cli.cjs through the code cache, the cache written by a first
 * run of each command, not timed) against it bundled as ES modules with a chunk per lazily
 * imported module (how the CLI was built before; the libraries it loads through the code cache
 * are plain chunks there, and neither command loads them), imported by an entry of the same few
 * lines.
 * Wall ms and the process's CPU ms (user + sys, from the shell's `times`), interleaved.
 */
async function commandLine() {
  const esmDir = path.join(WORK, 'cli-esm');
  await build({
    entryPoints: { main: path.join(ROOT, 'src/cli/main.ts') },
    outdir: esmDir,
    ...esmChunks,
    logLevel: 'error',
  });
  const esmBin = path.join(WORK, 'cli-esm.mjs');
  await fs.writeFile(
    esmBin,
    `import(${JSON.stringify(path.join(esmDir, 'main.js'))}).then((m) => m.main(process.argv));\n`,
  );
  const bins = { es_modules: esmBin, cjs_code_cache: path.join(ROOT, 'bin/cloudtik.js') };
  const commands = { version: ['--version'], plan: ['plan', path.join(ROOT, 'examples/virtual/example.yaml')] };
  const time = (bin, argv) => {
    const t0 = performance.now();
    const r = spawnSync(
      'bash',
      ['-c', '"$@" >/dev/null 2>&1; echo "exit $?"; times', 'time', process.execPath, bin, ...argv],
      // The CLI's code cache in the bench's own folder, not the user's.
      { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: path.join(WORK, 'xdg-cache') } },
    );
    const ms = performance.now() - t0;
    if (!r.stdout.includes('exit 0')) throw new Error(`${bin} ${argv.join(' ')} failed: ${r.stdout}${r.stderr}`);
    // `times`: the shell's own user and sys, then its children's.
    const [user, sys] = [
      ...r.stdout
        .trim()
        .split('\n')
        .at(-1)
        .matchAll(/(\d+)m([\d.]+)s/g),
    ].map((m) => Number(m[1]) * 60 + Number(m[2]));
    return { ms, cpuMs: (user + sys) * 1000 };
  };
  const out = {};
  for (const [command, argv] of Object.entries(commands)) {
    for (const bin of Object.values(bins)) time(bin, argv); // the caches, where there are any
    const runs = Object.fromEntries(Object.keys(bins).map((k) => [k, []]));
    for (let i = 0; i < RUNS; i++) for (const [k, bin] of Object.entries(bins)) runs[k].push(time(bin, argv));
    out[command] = Object.fromEntries(
      Object.entries(runs).map(([k, xs]) => [
        k,
        { ms: Math.round(median(xs.map((x) => x.ms))), cpuMs: Math.round(median(xs.map((x) => x.cpuMs))) },
      ]),
    );
  }
  return out;
}
