// Builds the dashboard's page into dist/dashboard/page/: its TypeScript (src/dashboard/page/main.ts
// and what it imports) bundled by esbuild into one browser script, app.js, beside index.html and
// app.css copied as they are. The page has no framework and no dependency; the bundle is left
// readable (not minified) and its size is printed, to keep it small.
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src/dashboard/page');
const out = path.join(root, 'dist/dashboard/page');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [path.join(src, 'main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  // The page's tsconfig (lib DOM) is not the one above it.
  tsconfig: path.join(src, 'tsconfig.json'),
  logLevel: 'warning',
  legalComments: 'none',
});
for (const file of ['index.html', 'app.css']) copyFileSync(path.join(src, file), path.join(out, file));

const kib = (file) => (statSync(path.join(out, file)).size / 1024).toFixed(1);
console.log(`bundle-page: app.js ${kib('app.js')} KiB, app.css ${kib('app.css')} KiB into ${path.relative(root, out)}`);
