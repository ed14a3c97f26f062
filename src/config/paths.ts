import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../version.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Folders of the config engine's data files, found next to this module in `src/config` and `dist/config`. */
export type AssetDir = 'defaults' | 'templates' | 'schema';

/**
 * Absolute path of a data folder (`defaults`, `templates` or `schema`): beside this module when it
 * runs from `src/config` or `dist/config`, else (the bundled CLI) in the package's `dist/config`.
 */
export function assetDir(name: AssetDir): string {
  const beside = path.join(here, name);
  return fs.existsSync(beside) ? beside : path.join(packageRoot(), 'dist', 'config', name);
}
