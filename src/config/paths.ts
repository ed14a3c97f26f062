import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Folders of the config engine's data files, found next to this module in `src/config` and `dist/config`. */
export type AssetDir = 'defaults' | 'templates' | 'schema';

/** Absolute path of a data folder (`defaults`, `templates` or `schema`). */
export function assetDir(name: AssetDir): string {
  return path.join(here, name);
}
