// Copies the data files (config defaults, templates and JSON schemas; runtime config templates) from
// src/ to dist/ at the same relative paths, since tsc only emits JavaScript.
// Usage: node scripts/copy-assets.mjs   (run after tsc; no dependencies)
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcRoot = path.join(root, 'src');
const distRoot = path.join(root, 'dist');

const ASSET_DIRS = ['config/defaults', 'config/templates', 'config/schema', 'runtimes'];
const ASSET_FILE = /(\.ya?ml|\.json|\.conf|\.xml|\.properties|^\.gitkeep)$/i;

let copied = 0;

function copyTree(relDir) {
  const from = path.join(srcRoot, relDir);
  const to = path.join(distRoot, relDir);
  mkdirSync(to, { recursive: true });
  if (!existsSync(from)) return;
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const rel = path.join(relDir, entry.name);
    if (entry.isDirectory()) {
      copyTree(rel);
    } else if (entry.isFile() && ASSET_FILE.test(entry.name)) {
      cpSync(path.join(srcRoot, rel), path.join(distRoot, rel));
      copied += 1;
    }
  }
}

for (const dir of ASSET_DIRS) copyTree(dir);
console.log(`copy-assets: ${copied} files copied into ${path.relative(root, distRoot) || '.'}`);
