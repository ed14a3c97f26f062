// Bundles the CLI entry (src/cli/main.ts and everything it imports statically) into dist/bin/,
// with lazily imported command handlers as separate chunks. One file instead of ~30 ES modules
// keeps `cloudtik --help` close to Node's own start-up time. Packages that carry native or
// optional parts stay external and load from node_modules when a command needs them.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names carry content hashes: start empty so stale chunks do not pile up in the package.
rmSync(path.join(root, 'dist/bin'), { recursive: true, force: true });

await build({
  entryPoints: { main: path.join(root, 'src/cli/main.ts') },
  outdir: path.join(root, 'dist/bin'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['tar-fs'],
  // Bundled CommonJS packages (and ajv's generated code) call require(): give them Node's.
  banner: {
    js: "import { createRequire as __cloudtikRequire } from 'node:module'; const require = __cloudtikRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});
