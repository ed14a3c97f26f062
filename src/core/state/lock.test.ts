import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withLock } from './lock.js';

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-lock-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('withLock', () => {
  it('runs holders one at a time', async () => {
    const target = path.join(dir, 'x');
    const log: string[] = [];
    const job = (name: string) =>
      withLock(target, 'test', async () => {
        log.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 30));
        log.push(`${name}-`);
      });
    await Promise.all([job('a'), job('b'), job('c')]);
    expect(log).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(log[i]?.[0]).toBe(log[i + 1]?.[0]);
    await expect(fsp.stat(`${target}.lock`)).rejects.toThrow();
  });

  it('takes over at once a lock whose holder died on this host', async () => {
    const target = path.join(dir, 'dead');
    await fsp.mkdir(`${target}.lock`);
    // PIDs are below 2^22 on Linux, so this one cannot be alive.
    await fsp.writeFile(
      path.join(`${target}.lock`, 'owner.json'),
      JSON.stringify({ pid: 2 ** 30, host: os.hostname(), since: 1 }),
    );
    // A lock with a fresh mtime is taken over only because its holder is gone (a live holder's lock
    // would be waited for until the 2-minute limit, a silent one for 15 s): well under that is "at once",
    // with room for a loaded machine.
    const t0 = Date.now();
    await withLock(target, 'test', () => Promise.resolve(), { waitMs: 60_000 });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('takes over a lock not refreshed for a while (holder on another host)', async () => {
    const target = path.join(dir, 'stale');
    await fsp.mkdir(`${target}.lock`);
    await fsp.writeFile(
      path.join(`${target}.lock`, 'owner.json'),
      JSON.stringify({ pid: 1, host: 'elsewhere', since: 1 }),
    );
    const old = new Date(Date.now() - 60_000);
    await fsp.utimes(`${target}.lock`, old, old);
    await withLock(target, 'test', () => Promise.resolve());
  });

  it('waits for a live holder and gives up at the deadline with a clear error', async () => {
    const target = path.join(dir, 'live');
    await fsp.mkdir(`${target}.lock`);
    await fsp.writeFile(
      path.join(`${target}.lock`, 'owner.json'),
      JSON.stringify({ pid: process.pid, host: os.hostname(), since: 1 }),
    );
    let waited = false;
    await expect(
      withLock(target, 'cluster', () => Promise.resolve(), { waitMs: 200, onWait: () => (waited = true) }),
    ).rejects.toThrow(/timed out waiting for the cluster lock/);
    expect(waited).toBe(true);
  });
});
