/** Small file facts that state keepers share: atomic JSON writes. */
import fsp from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `value` as JSON so that a crash leaves the old file or the new one, never part of one: a
 * temporary file (`mode`), synced, renamed over the file, and the folder synced.
 */
export async function writeJsonAtomic(file: string, value: unknown, mode = 0o600): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await fsp.open(tmp, 'w', mode);
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 1)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
  const dir = await fsp.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
