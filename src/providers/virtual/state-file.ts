import fsp from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { CloudtikError } from '../../core/errors.js';

interface StateData {
  nodes: Record<string, { tags: Record<string, string> }>;
}

const LOCK_OPTIONS = { stale: 15_000, update: 5_000, realpath: false } as const;

/**
 * Mutable node tags of one cluster, kept in `<dir>/state.json` because container labels cannot
 * change. The folder is mounted into the head, so the host CLI and the head's controller take
 * the same lock file (`state.json.lock`, a directory created atomically) before they write.
 */
export class ClusterStateFile {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'state.json');
  }

  async read(): Promise<StateData> {
    try {
      const parsed = JSON.parse(await fsp.readFile(this.file, 'utf8')) as Partial<StateData>;
      return { nodes: parsed.nodes ?? {} };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { nodes: {} };
      throw err;
    }
  }

  /** Read-modify-write under the lock; `fn` mutates the data in place. */
  async update(fn: (data: StateData) => void): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await withLock(this.file, 'state', async () => {
      const data = await this.read();
      fn(data);
      const tmp = `${this.file}.${process.pid}.tmp`;
      await fsp.writeFile(tmp, JSON.stringify(data, null, 1));
      await fsp.rename(tmp, this.file);
    });
  }
}

/**
 * Hold a lock on `target` (which need not exist) while `fn` runs. Waits while another process
 * holds it; a holder that died is detected by its stale lock after about 15 s.
 */
export async function withLock<T>(
  target: string,
  what: string,
  fn: () => Promise<T>,
  options: { waitMs?: number; onWait?: () => void } = {},
): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? 120_000);
  let release: (() => Promise<void>) | undefined;
  let told = false;
  while (release === undefined) {
    try {
      release = await lockfile.lock(target, { ...LOCK_OPTIONS, lockfilePath: `${target}.lock` });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (Date.now() > deadline) {
        throw new CloudtikError('ERR_CLOUDTIK_LOCK', `timed out waiting for the ${what} lock ${target}.lock`, {
          hint: 'another cloudtik command is working on this cluster; wait for it, or remove the lock folder if no such command runs',
        });
      }
      if (!told) {
        options.onWait?.();
        told = true;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
