// Bundles the CLI entry (src/cli/main.ts and everything it imports statically) into dist/bin/,
// with lazily imported command handlers as separate chunks, and beside it the entry of the node
// services (src/node/service-main.ts, which bin/cloudtik.js loads for `cloudtik node run`). One file instead of ~30 ES modules
// keeps `cloudtik --help` close to Node's own start-up time. Packages that carry native or
// optional parts stay external and load from node_modules when a command needs them.
// The Kubernetes client (the parts of @kubernetes/client-node the provider names, see
// src/providers/kubernetes/client-lib.ts) is bundled on its own and minified: 1.6 MB instead of
// 14 MB, loaded in about half the time by every CLI process that talks to Kubernetes (the head's
// controller among them). Minified is for that library only: our own code keeps readable traces.
// It is CommonJS, loaded through V8's code cache (src/providers/kubernetes/client-cached.ts).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names carry content hashes: start empty so stale chunks do not pile up in the package.
rmSync(path.join(root, 'dist/bin'), { recursive: true, force: true });

// Bundled CommonJS packages (and ajv's generated code) call require(): give them Node's.
const banner = {
  js: "import { createRequire as __cloudtikRequire } from 'node:module'; const require = __cloudtikRequire(import.meta.url);",
};
await build({
  entryPoints: [path.join(root, 'src/providers/kubernetes/client-lib.ts')],
  outfile: path.join(root, 'dist/bin/kube-client.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  // The library's error classes keep their names (messages and `instanceof` checks read them).
  keepNames: true,
  logLevel: 'warning',
  legalComments: 'none',
});

// Ajv likewise (260 KB of ES module the CLI compiled at every start for the schemas it compiles
// now and then): CommonJS through the code cache, loaded when a schema is compiled.
await build({
  entryPoints: [path.join(root, 'src/config/ajv-lib.ts')],
  outfile: path.join(root, 'dist/bin/ajv.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
});

/** The main bundle loads the libraries above through the code cache, not the libraries themselves. */
const codeCached = {
  name: 'code-cached',
  setup(b) {
    b.onResolve({ filter: /\/client-lib\.js$/ }, () => ({
      path: path.join(root, 'src/providers/kubernetes/client-cached.ts'),
    }));
    b.onResolve({ filter: /\/ajv-lib\.js$/ }, () => ({ path: path.join(root, 'src/config/ajv-cached.ts') }));
  },
};

await build({
  entryPoints: { main: path.join(root, 'src/cli/main.ts'), service: path.join(root, 'src/node/service-main.ts') },
  outdir: path.join(root, 'dist/bin'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['tar-fs'],
  plugins: [codeCached],
  banner,
  logLevel: 'warning',
  legalComments: 'none',
});
