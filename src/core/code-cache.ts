/**
 * Loading a large CommonJS bundle with V8's code cache kept between runs. Node 20 keeps no compiled
 * code of its own between runs (Node 22's compile cache, which bin/cloudtik.js turns on, does so
 * for ES modules); the CLI bundles what it loads this way as CommonJS (see scripts/bundle-cli.mjs):
 * the command line itself (src/cli/main-cached.ts), the Kubernetes client (1.4 MB), which takes
 * about 80 ms of CPU to compile and run each time on Node 20, 32 ms with the cache
 * (bench/code-cache.mjs measures both side by side), and Ajv, which is loaded only when a schema is
 * compiled. The cache lives in the user's own folder (see env.codeCacheDir), named after the
 * bundle, its size and time, and the Node version; V8 checks it against the source again and
 * refuses one that does not match, which is then written anew. A cache that cannot be read or written only costs the compile.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { env } from '../config/env.js';

/** Where the compiled code of `file` (as it is now) is kept. */
export function codeCacheFile(
  file: string,
  stat: Pick<fs.Stats, 'size' | 'mtimeMs'>,
  dir = env.codeCacheDir(),
): string {
  const key = `${process.version}-${process.arch}-${stat.size}-${Math.round(stat.mtimeMs)}`;
  return path.join(dir, `${path.basename(file)}-${key}.bin`);
}

/** A file of the cache folder, or undefined where it cannot be read. */
function readCache(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The list of what the runs that wrote the cache `file` did (see runWithCodeCache's `topic`). */
const topicsFile = (file: string): string => `${file}.topics`;

const readTopics = (file: string): string[] =>
  (readCache(topicsFile(file))?.toString('utf8') ?? '').split('\n').filter(Boolean);

/**
 * Write `data` to `file` atomically, readable by this user only; whether it was written (a failure
 * leaves nothing).
 */
function writeOwn(file: string, data: Buffer | string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // its folder is not there either
    }
    return false;
  }
}

/**
 * Write the cache, with the topics of the runs it holds, in place of the caches of the bundle's
 * other versions; a failure leaves no cache.
 */
function writeCache(file: string, data: Buffer, bundle: string, topics: readonly string[]): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const old of fs.readdirSync(dir)) {
      const ours = old.endsWith('.bin') || old.endsWith('.bin.topics');
      if (old.startsWith(`${bundle}-`) && ours) fs.rmSync(path.join(dir, old), { force: true });
    }
  } catch {
    return;
  }
  if (writeOwn(file, data) && topics.length > 0) writeOwn(topicsFile(file), `${topics.join('\n')}\n`);
}

/** A bundle run by runWithCodeCache. */
export interface CodeCachedRun {
  exports: unknown;
  /**
   * Writes the bundle's cache with every function compiled so far; set when there was no cache
   * (or V8 refused it), or when the run's topic is not yet among the cache's, else undefined.
   */
  keep: (() => void) | undefined;
}

/**
 * Run the CommonJS module `file` (a bundle that requires nothing outside itself but Node's own
 * modules and what sits in node_modules) from its code cache where there is one. `topic` names
 * what this run goes on to do with it (the command line's command): a cache holds what the runs
 * that wrote it compiled, so a run of a topic the cache has not seen offers to write it again,
 * with its own functions added (each topic once).
 */
export function runWithCodeCache(file: string, dir?: string, topic?: string): CodeCachedRun {
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = codeCacheFile(file, fs.statSync(file), dir);
  const cachedData = readCache(cacheFile);
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  const fresh = cachedData === undefined || script.cachedDataRejected === true;
  // A run without a topic (a library's load) keeps a cache as it is: no list to read.
  const topics = fresh || topic === undefined ? [] : readTopics(cacheFile);
  const grows = topic !== undefined && !topics.includes(topic);
  const keep = (): void =>
    writeCache(cacheFile, script.createCachedData(), path.basename(file), grows ? [...topics, topic] : topics);
  return { exports: module.exports, keep: fresh || grows ? keep : undefined };
}

/** runWithCodeCache, its cache written (where there was none) once the module has run; its exports. */
export function requireWithCodeCache(file: string, dir?: string): unknown {
  const { exports, keep } = runWithCodeCache(file, dir);
  // Made after the run: the functions it compiled on the way are in it too.
  keep?.();
  return exports;
}
