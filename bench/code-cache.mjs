#!/usr/bin/env node
// The Kubernetes client as the CLI loads it, side by side with how it loaded it before: the CommonJS
// bundle in dist/bin through V8's code cache (src/core/code-cache.ts; the cache written by a first
// run, not timed) against the same client bundled as an ES module and imported (what Node 20 can
// only compile anew each time), and against the CommonJS bundle as it was before the packages of
// scripts/kube-client-lazy.mjs were left out of its start (through the cache too). Each sample is a fresh `node` process, interleaved; per process the
// wall ms and CPU ms (user + sys) from its start until the client's exports are there. The floor is
// a process that only reports. Node 22+ keeps compiled ES modules by itself (bin/cloudtik.js turns
// its cache on), so the gain is Node 20's, where this machine's CLI runs.
// Prints JSON and writes .bench/code-cache.json. Usage: npm run build && node bench/code-cache.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
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
    bundle: true,
    platform: 'node',
    target: 'node20',
    minify: true,
    keepNames: true,
    logLevel: 'warning',
    legalComments: 'none',
    ...options,
  });
  return path.join(WORK, file);
}

const esm = await bundleClient('kube-client.mjs', {
  format: 'esm',
  banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
});
// The client as the CLI bundled it before scripts/kube-client-lazy.mjs: every package it requires
// loaded at its start.
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
await fs.writeFile(path.join(ROOT, '.bench', 'code-cache.json'), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result, null, 2));
