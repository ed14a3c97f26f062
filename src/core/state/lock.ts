import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { waitFor } from '../deadline.js';
import { CloudtikError } from '../errors.js';
import { logEvent, type EventSink } from '../events.js';
import { pidAlive } from '../pid.js';

/** A lock older than this without a refresh is taken over (its holder hung or its host is gone). */
const STALE_MS = 15_000;
const REFRESH_MS = 3_000;
const POLL_MS = 50;

interface Owner {
  pid: number;
  host: string;
  since: number;
}

async function readOwner(dir: string): Promise<{ owner: Owner | undefined; mtimeMs: number } | undefined> {
  try {
    const stat = await fsp.stat(dir);
    const text = await fsp.readFile(path.join(dir, 'owner.json'), 'utf8').catch(() => '');
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(text) as Owner;
    } catch {
      owner = undefined;
    }
    return { owner, mtimeMs: stat.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether the holder is gone: a dead process on this host, or no refresh for {@link STALE_MS}. */
function isAbandoned(info: { owner: Owner | undefined; mtimeMs: number }): boolean {
  if (info.owner && info.owner.host === os.hostname() && !pidAlive(info.owner.pid)) return true;
  return Date.now() - info.mtimeMs > STALE_MS;
}

/**
 * Take over an abandoned lock: move it aside (only one contender's rename succeeds), check that
 * what was moved is the lock judged abandoned, and remove it.
 */
async function breakLock(dir: string, seen: Owner | undefined): Promise<void> {
  const aside = `${dir}.stale-${process.pid}-${Date.now()}`;
  try {
    await fsp.rename(dir, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (moved?.owner && seen && (moved.owner.pid !== seen.pid || moved.owner.since !== seen.since)) {
    // A live holder re-took the lock between our look and our move: give it back.
    await fsp.rename(aside, dir).catch(() => undefined);
    return;
  }
  await fsp.rm(aside, { recursive: true, force: true });
}

export interface LockOptions {
  /** Give up waiting after this long (default 2 minutes). */
  waitMs?: number;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: () => void;
  clock?: Clock;
}

/** Create the lock directory with our owner file; false when someone holds it. */
async function tryTake(dir: string, me: Owner): Promise<boolean> {
  try {
    await fsp.mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  await fsp.writeFile(path.join(dir, 'owner.json'), JSON.stringify(me));
  return true;
}

/**
 * Take the lock `<target>.lock` (a directory, created atomically; it works across processes and
 * across a bind mount into the head node) and return its release. A holder that died is noticed at
 * once on this host (its PID is gone), elsewhere after {@link STALE_MS} without a refresh.
 */
export async function acquireLock(
  target: string,
  what: string,
  options: LockOptions = {},
): Promise<() => Promise<void>> {
  const dir = `${target}.lock`;
  const clock = options.clock ?? systemClock;
  const me: Owner = { pid: process.pid, host: os.hostname(), since: clock.now() };
  let holder: Owner | undefined;
  let told = false;
  const take = async (): Promise<true | undefined> => {
    if (await tryTake(dir, me)) return true;
    const info = await readOwner(dir);
    holder = info?.owner;
    if (info && isAbandoned(info)) {
      await breakLock(dir, info.owner);
      return (await tryTake(dir, me)) || undefined;
    }
    if (!told) options.onWait?.();
    told = true;
    return undefined;
  };
  await waitFor(take, {
    what: `the ${what} lock ${dir}`,
    ms: options.waitMs ?? 120_000,
    pauseMs: POLL_MS,
    clock,
    expired: () =>
      new CloudtikError('ERR_CLOUDTIK_LOCK', `timed out waiting for the ${what} lock ${dir}`, {
        hint: `another cloudtik command (pid ${holder?.pid ?? '?'} on ${holder?.host ?? '?'}) is working on it; wait for it to finish`,
      }),
  });
  const refresh = setInterval(() => {
    const now = new Date();
    fsp.utimes(dir, now, now).catch(() => undefined);
  }, REFRESH_MS);
  refresh.unref();
  return async () => {
    clearInterval(refresh);
    await fsp.rm(dir, { recursive: true, force: true });
  };
}

/** Hold the lock `<target>.lock` (see {@link acquireLock}) while `fn` runs. */
export async function withLock<T>(
  target: string,
  what: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const release = await acquireLock(target, what, options);
  try {
    return await fn();
  } finally {
    await release();
  }
}

/**
 * Hold a cluster's operation lock `<target>.lock` (one start or stop at a time, see
 * NodeProvider.withClusterLock) while `fn` runs, saying so when another command holds it.
 */
export async function withClusterOperationLock<T>(
  target: string,
  cluster: string,
  sink: EventSink,
  fn: () => Promise<T>,
): Promise<T> {
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const onWait = (): void =>
    logEvent(sink, 'info', `waiting for another cloudtik command working on cluster ${cluster}`);
  return withLock(target, 'cluster', fn, { waitMs: 30 * 60_000, onWait });
}

/**
 * Where a cluster's operation lock sits when its state lives in `stateDir`: beside that folder,
 * not in it, since `stop` removes the folder while holding the lock.
 */
export function clusterLockBeside(stateDir: string): string {
  return path.join(path.dirname(stateDir), `${path.basename(stateDir)}.cluster`);
}
