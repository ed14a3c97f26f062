import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codeCacheFile, requireWithCodeCache, runWithCodeCache } from './code-cache.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-code-cache-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A CommonJS bundle that counts its runs in a global and exports what it was given. */
function bundle(dir: string, value: string): string {
  const file = path.join(dir, 'lib.cjs');
  fs.writeFileSync(
    file,
    `const os = require('node:os');\n` +
      `globalThis.__ccRuns = (globalThis.__ccRuns ?? 0) + 1;\n` +
      `module.exports = { value: ${JSON.stringify(value)}, eol: os.EOL, file: __filename, self: this === exports };\n`,
  );
  return file;
}

describe('requireWithCodeCache', () => {
  it('runs a CommonJS bundle and keeps its compiled code for this user only, then loads from it', () => {
    const src = tmp();
    const cache = path.join(tmp(), 'code');
    const file = bundle(src, 'a');
    expect(requireWithCodeCache(file, cache)).toEqual({ value: 'a', eol: os.EOL, file, self: true });
    const kept = codeCacheFile(file, fs.statSync(file), cache);
    expect(fs.statSync(kept).mode & 0o777).toBe(0o600);
    expect(fs.statSync(cache).mode & 0o777).toBe(0o700);
    const written = fs.statSync(kept).mtimeMs;
    const before = (globalThis as { __ccRuns?: number }).__ccRuns ?? 0;
    expect(requireWithCodeCache(file, cache)).toMatchObject({ value: 'a' });
    // Run again (a module of its own each time), from the cache, which is left as it was.
    expect((globalThis as { __ccRuns?: number }).__ccRuns).toBe(before + 1);
    expect(fs.statSync(kept).mtimeMs).toBe(written);
  });

  it("replaces the cache of the bundle's other version, and one V8 refuses", () => {
    const src = tmp();
    const cache = path.join(tmp(), 'code');
    const file = bundle(src, 'a');
    requireWithCodeCache(file, cache);
    const first = codeCacheFile(file, fs.statSync(file), cache);
    fs.writeFileSync(file, `module.exports = { value: 'version two' };\n`);
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(requireWithCodeCache(file, cache)).toEqual({ value: 'version two' });
    const second = codeCacheFile(file, fs.statSync(file), cache);
    expect(fs.readdirSync(cache)).toEqual([path.basename(second)]);
    expect(second).not.toBe(first);
    // A cache that is not V8's for this source (V8 compiles a source once per process: a new one).
    fs.writeFileSync(file, `module.exports = { value: 'version three' };\n`);
    fs.utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    const third = codeCacheFile(file, fs.statSync(file), cache);
    fs.writeFileSync(third, 'not compiled code');
    expect(requireWithCodeCache(file, cache)).toEqual({ value: 'version three' });
    expect(fs.readFileSync(third).length).toBeGreaterThan(100);
  });

  it('runWithCodeCache writes the cache only when asked, then loads from it and offers no second write', () => {
    const src = tmp();
    const cache = path.join(tmp(), 'code');
    const file = path.join(src, 'cli.cjs');
    fs.writeFileSync(file, `module.exports = { later: () => [1, 2, 3].map((n) => n * 2) };\n`);
    const first = runWithCodeCache(file, cache);
    const kept = codeCacheFile(file, fs.statSync(file), cache);
    expect(fs.existsSync(kept)).toBe(false);
    // Written when asked, after the program ran more of the bundle than its own start.
    expect((first.exports as { later: () => number[] }).later()).toEqual([2, 4, 6]);
    first.keep?.();
    expect(fs.statSync(kept).mode & 0o777).toBe(0o600);
    const second = runWithCodeCache(file, cache);
    expect(second.keep).toBeUndefined();
    expect((second.exports as { later: () => number[] }).later()).toEqual([2, 4, 6]);
  });

  it('offers to write the cache again once for each topic it has not seen, keeping what it had', () => {
    const src = tmp();
    const cache = path.join(tmp(), 'code');
    const file = path.join(src, 'cli.cjs');
    fs.writeFileSync(file, `module.exports = { a: () => 'a', b: () => 'b' };\n`);
    const exportsOf = (r: { exports: unknown }) => r.exports as { a: () => string; b: () => string };
    const first = runWithCodeCache(file, cache, 'start');
    exportsOf(first).a();
    first.keep?.();
    const kept = codeCacheFile(file, fs.statSync(file), cache);
    expect(fs.readFileSync(`${kept}.topics`, 'utf8')).toBe('start\n');
    expect(runWithCodeCache(file, cache, 'start').keep).toBeUndefined();
    const other = runWithCodeCache(file, cache, 'stop');
    expect(exportsOf(other).b()).toBe('b');
    other.keep?.();
    expect(fs.readFileSync(`${kept}.topics`, 'utf8')).toBe('start\nstop\n');
    expect(fs.statSync(`${kept}.topics`).mode & 0o777).toBe(0o600);
    for (const t of ['start', 'stop']) expect(runWithCodeCache(file, cache, t).keep).toBeUndefined();
    // A run without a topic writes only where there is no cache.
    expect(runWithCodeCache(file, cache).keep).toBeUndefined();
    // A new version of the bundle starts its list again, the old one's files gone.
    fs.writeFileSync(file, `module.exports = { a: () => 'A', b: () => 'B' };\n`);
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const next = runWithCodeCache(file, cache, 'stop');
    expect(exportsOf(next).a()).toBe('A');
    next.keep?.();
    const nextKept = codeCacheFile(file, fs.statSync(file), cache);
    expect(fs.readdirSync(cache).sort()).toEqual([path.basename(nextKept), `${path.basename(nextKept)}.topics`]);
    expect(fs.readFileSync(`${nextKept}.topics`, 'utf8')).toBe('stop\n');
  });

  it('loads without a cache where none can be written', () => {
    const src = tmp();
    const blocked = path.join(tmp(), 'file-not-dir');
    fs.writeFileSync(blocked, '');
    const file = bundle(src, 'b');
    expect(requireWithCodeCache(file, path.join(blocked, 'code'))).toMatchObject({ value: 'b' });
  });
});
