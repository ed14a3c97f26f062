import fsp from 'node:fs/promises';
import path from 'node:path';
import { withLock } from '../../core/state/lock.js';

export interface NodeState {
  tags: Record<string, string>;
  /** Per-node data-disk folders on the host, removed with the node. */
  disks?: string[];
}

export interface StateData {
  nodes: Record<string, NodeState>;
  /** Highest worker seq id handed out so far. */
  lastSeqId?: number;
}

/**
 * Mutable node tags of one cluster, kept in `<dir>/state.json` because container labels cannot
 * change. The folder is mounted into the head, so the host CLI and the head's controller take
 * the same lock (`state.json.lock`) before they write.
 */
export class ClusterStateFile {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'state.json');
  }

  async read(): Promise<StateData> {
    try {
      const parsed = JSON.parse(await fsp.readFile(this.file, 'utf8')) as Partial<StateData>;
      return { ...parsed, nodes: parsed.nodes ?? {} };
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
