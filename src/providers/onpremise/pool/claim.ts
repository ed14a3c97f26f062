/**
 * What makes one service the owner of a pool's folder: the process file (pid, address, pool
 * file), created atomically and only when no live service holds it, and the token clients send,
 * made once. A process file left by a dead service is taken over; one of a live service that
 * answers is never.
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import { portAnswers } from '../../../core/net.js';
import { CloudtikError } from '../../../core/errors.js';
import { pidAlive } from '../../../core/pid.js';
import { reachableAddress, splitAddress } from '../client.js';
import { parseProcessFile, type PoolProcessFile } from '../protocol.js';

/** Whether something accepts connections at `address` (`host:port`) within a second. */
export function answers(address: string): Promise<boolean> {
  const { host, port } = splitAddress(address);
  return portAnswers(host, port, 1000);
}

/** Writes `text` to `file` only if `file` does not exist, whole or not at all (mode 0600). */
async function createWhole(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fsp.writeFile(tmp, text, { mode: 0o600 });
  try {
    await fsp.link(tmp, file);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/** Replaces `file` with `text`, whole (mode 0600). */
async function replaceWhole(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, text, { mode: 0o600 });
  await fsp.rename(tmp, file);
}

async function busy(file: string, info: PoolProcessFile): Promise<CloudtikError> {
  const address = reachableAddress(info.bind_address, info.port);
  if (await answers(address)) {
    return new CloudtikError(
      'ERR_CLOUDTIK_LOCK',
      `a host-pool service already runs on this state folder: pid ${info.pid} at ${address} (pool file ${info.config})`,
      { hint: 'stop it first (cloudtik simulator --shutdown), or give this one another CLOUDTIK_HOME' },
    );
  }
  return new CloudtikError(
    'ERR_CLOUDTIK_LOCK',
    `process ${info.pid} named in ${file} is alive but no service answers at ${address}: it may be starting`,
    { hint: `try again in a moment; if process ${info.pid} is no host-pool service, remove ${file}` },
  );
}

/**
 * Moves aside a process file judged stale, unless it changed since it was read (then another
 * service claimed it meanwhile and it is put back).
 */
async function removeStale(file: string, seen: string): Promise<void> {
  const aside = `${file}.stale-${process.pid}`;
  try {
    await fsp.rename(file, aside);
  } catch {
    return;
  }
  const moved = await fsp.readFile(aside, 'utf8').catch(() => '');
  if (moved !== seen) await fsp.link(aside, file).catch(() => undefined);
  await fsp.rm(aside, { force: true });
}

/** Makes this process the service of the folder, or says which live service already is. */
export async function claimProcessFile(file: string, me: PoolProcessFile): Promise<void> {
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await createWhole(file, text);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const seen = await fsp.readFile(file, 'utf8').catch(() => '');
    const info = parseProcessFile(seen);
    if (info && info.pid !== process.pid && pidAlive(info.pid)) throw await busy(file, info);
    await removeStale(file, seen);
  }
  throw new CloudtikError('ERR_CLOUDTIK_LOCK', `could not take ${file}: other services keep starting on this folder`);
}

/** Updates this process's own process file (the port it listens at, once known). */
export async function publishProcessFile(file: string, me: PoolProcessFile): Promise<void> {
  await replaceWhole(file, `${JSON.stringify(me)}\n`);
}

/** Removes the process file if it is still this process's. */
export async function releaseProcessFile(file: string): Promise<void> {
  const info = parseProcessFile(await fsp.readFile(file, 'utf8').catch(() => ''));
  if (info?.pid === process.pid) await fsp.rm(file, { force: true });
}

/** The token in `file`, made (32 random bytes, base64url, mode 0600) when there is none yet. */
export async function ensureToken(file: string): Promise<string> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const token = (await fsp.readFile(file, 'utf8')).trim();
      if (token === '') {
        throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `the host-pool token file ${file} is empty`, {
          hint: 'remove it: a new token is made at the next start (clients need the new one)',
        });
      }
      return token;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      await createWhole(file, `${crypto.randomBytes(32).toString('base64url')}\n`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`the token file ${file} vanished while it was made`);
}
