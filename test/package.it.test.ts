import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

interface PackageJson {
  bin: Record<string, string>;
  exports: Record<string, string>;
}

/** What package.json promises resolves in the built package (tests run after `npm run build`). */
describe('the built package', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;

  it.each(Object.entries(pkg.exports))('export %s points at a file that exists', (_name, target) => {
    expect(fs.existsSync(path.join(ROOT, target))).toBe(true);
  });

  it('the library entry offers the cluster operations', async () => {
    const api = (await import(path.join(ROOT, pkg.exports['.'] as string))) as Record<string, unknown>;
    for (const name of ['loadClusterConfig', 'startCluster', 'stopCluster', 'execOnNodes', 'createWorkspace']) {
      expect(typeof api[name], name).toBe('function');
    }
  });

  it('the bin runs the bundled CLI', () => {
    const bin = fs.readFileSync(path.join(ROOT, pkg.bin.cloudtik as string), 'utf8');
    const target = /import\('([^']+)'\)/.exec(bin)?.[1];
    expect(target).toBeDefined();
    expect(fs.existsSync(path.join(ROOT, 'bin', target as string))).toBe(true);
  });
});
