// Bundles the command line (src/cli/main.ts and everything it imports, lazily imported command
// handlers included) into one CommonJS file, dist/bin/cli.cjs, which dist/bin/main.js (see
// src/cli/main-cached.ts) loads through V8's code cache: one file read and no compile in each
// command, where Node 20 resolved, read and compiled its ES modules anew every time. Beside it the
// entry of the node services (src/node/service-main.ts, which bin/cloudtik.js loads for
// `cloudtik node run|start|batch`) as ES modules, what it loads later as chunks of their own (Node
// 22, the node image's, keeps their compiled code). Packages that carry native or optional parts
// stay external and load from node_modules when a command needs them.
// The Kubernetes client (the parts of @kubernetes/client-node the provider names, see
// src/providers/kubernetes/client-lib.ts) is bundled on its own and minified: 1.4 MB instead of
// 14 MB, loaded in about half the time by every CLI process that talks to Kubernetes (the head's
// controller among them). Minified is for that library only: our own code keeps readable traces.
// It is CommonJS, loaded through V8's code cache (src/providers/kubernetes/client-cached.ts).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { esmChunks, kubeClientLazy, nodeBundle } from './bundle-shared.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names carry content hashes: start empty so stale chunks do not pile up in the package.
rmSync(path.join(root, 'dist/bin'), { recursive: true, force: true });

/**
 * A library the CLI loads through V8's code cache (src/core/code-cache.ts): `entry` (a module of
 * ours that hands on what the CLI uses of it) bundled as CommonJS into dist/bin/`out`, in place of
 * which the main bundle loads `cached` (see codeCached below).
 */
const CODE_CACHED = [
  // The library's error classes keep their names (messages and `instanceof` checks read them).
  {
    entry: 'src/providers/kubernetes/client-lib.ts',
    out: 'kube-client.cjs',
    cached: 'src/providers/kubernetes/client-cached.ts',
    options: { minify: true, keepNames: true, plugins: [kubeClientLazy(root)] },
  },
  // Ajv: 260 KB of ES module the CLI compiled at every start for the schemas it compiles now and
  // then (the cluster schemas are compiled at build time); loaded when a schema is compiled.
  { entry: 'src/config/ajv-lib.ts', out: 'ajv.cjs', cached: 'src/config/ajv-cached.ts', options: {} },
];
for (const lib of CODE_CACHED) {
  await build({
    entryPoints: [path.join(root, lib.entry)],
    outfile: path.join(root, 'dist/bin', lib.out),
    ...nodeBundle,
    format: 'cjs',
    logLevel: 'warning',
    ...lib.options,
  });
}

/** The bundles load the libraries above through the code cache, not the libraries themselves. */
const codeCached = {
  name: 'code-cached',
  setup(b) {
    for (const lib of CODE_CACHED) {
      const name = path.basename(lib.entry, '.ts'); // letters and dashes
      b.onResolve({ filter: new RegExp(`/${name}\\.js$`) }, () => ({ path: path.join(root, lib.cached) }));
    }
  },
};

// The command line: one CommonJS file, loaded through the code cache by dist/bin/main.js (see
// src/cli/main-cached.ts). Dynamic imports become requires (a script run by node:vm has no module
// loader for them); import.meta.url is the bundle's own, as in the ES modules beside it.
await build({
  entryPoints: [path.join(root, 'src/cli/main.ts')],
  outfile: path.join(root, 'dist/bin/cli.cjs'),
  ...nodeBundle,
  format: 'cjs',
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__cloudtikModuleUrl' },
  banner: { js: "const __cloudtikModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  external: esmChunks.external,
  plugins: [codeCached],
  logLevel: 'warning',
});

/** The node services' entry comes to the command line through main-cached.ts as bin/cloudtik.js does. */
const cliCached = {
  name: 'cli-cached',
  setup(b) {
    b.onResolve({ filter: /\/cli\/main\.js$/ }, () => ({ path: path.join(root, 'src/cli/main-cached.ts') }));
  },
};

// The ES modules: the two entries bin/cloudtik.js imports, with what the node services' entry
// loads when it needs it as chunks of their own.
await build({
  entryPoints: {
    main: path.join(root, 'src/cli/main-cached.ts'),
    service: path.join(root, 'src/node/service-main.ts'),
  },
  outdir: path.join(root, 'dist/bin'),
  ...esmChunks,
  plugins: [codeCached, cliCached],
  logLevel: 'warning',
});
