/**
 * The local provider's state file: which listed host is a node of which cluster, with its tags.
 * It sits where CloudTik keeps it (`~/.cloudtik/local/cloudtik-local-scheduler.state`, same JSON
 * shape) and, unlike CloudTik, its lock sits beside it: the CLI and the head's controller run on
 * the same machine and take the same lock. Writes go to a temporary file that is synced and then
 * renamed over the state, so a crash leaves the old state or the new one, never half of one; a
 * file that does not parse is an error, never an empty state (that would free every host).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../../config/env.js';
import { CloudtikError } from '../../core/errors.js';
import { writeJsonAtomic } from '../../core/state/files.js';
import { withLock } from '../../core/state/lock.js';
import type { HostRecord, HostsState } from './hosts.js';

export const STATE_FILE_NAME = 'cloudtik-local-scheduler.state';

/** The state file of this machine's user. */
export function defaultStateFile(): string {
  return path.join(env.home(), 'local', STATE_FILE_NAME);
}

/** Whether `value` has the shape of a host record (CloudTik's: ip, state, tags). */
export function isHostRecord(value: unknown): value is HostRecord {
  const r = value as Partial<HostRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.ip === 'string' &&
    (r.state === 'running' || r.state === 'terminated') &&
    typeof r.tags === 'object' &&
    r.tags !== null
  );
}

function corrupt(file: string, why: string): CloudtikError {
  return new CloudtikError('ERR_CLOUDTIK_CLUSTER', `the local hosts' state file ${file} is damaged: ${why}`, {
    hint: 'it says which hosts each cluster holds; repair it by hand, or move it aside if no local cluster is running (all hosts become free)',
  });
}

/** Parses the file's text, refusing anything that is not the state's shape. */
export function parseState(text: string, file: string): HostsState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw corrupt(file, (err as Error).message);
  }
  const nodes = (parsed as { nodes?: unknown } | null)?.nodes;
  if (typeof nodes !== 'object' || nodes === null || Array.isArray(nodes)) throw corrupt(file, 'no "nodes" object');
  for (const [id, record] of Object.entries(nodes)) {
    if (!isHostRecord(record)) throw corrupt(file, `host "${id}" is not a {ip, state, tags} record`);
    (record as { instance_type?: string }).instance_type ??= 'default';
    (record as { name?: string }).name ??= id;
  }
  return { nodes: nodes as Record<string, HostRecord> };
}

export class HostStateStore {
  constructor(readonly file: string = defaultStateFile()) {}

  async read(): Promise<HostsState> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { nodes: {} };
      throw err;
    }
    return parseState(text, this.file);
  }

  /** Read, change and write the state under the lock; `fn` returns the new state and a result. */
  async update<T>(fn: (state: HostsState) => { state: HostsState; result: T }): Promise<T> {
    await fsp.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    return withLock(this.file, 'local hosts', async () => {
      const { state, result } = fn(await this.read());
      await this.write(state);
      return result;
    });
  }

  private write(state: HostsState): Promise<void> {
    return writeJsonAtomic(this.file, state);
  }
}
