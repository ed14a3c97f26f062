import { execFileSync, spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitUpTo } from '../core/deadline.js';
import { exists } from '../core/host/files.js';
import { nodeStop } from './manage.js';
import { freePort, Redis } from '../core/state/redis.fixtures.js';
import { RedisStateStore } from '../core/state/redis-store.js';
import { SERVICES_RELEASE_KEY } from '../core/state/store.js';
import { recordedServices, servicePaths, servicePid, startService, stopService, type ServiceHold } from './services.js';

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-services-'));
  vi.stubEnv('CLOUDTIK_RUNTIME_DIR', dir);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await fsp.rm(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stopping every service of a node (before its host is given back)', () => {
  it('lists runtime daemons before the node services, in stop order', async () => {
    await fsp.mkdir(path.join(dir, 'run'), { recursive: true });
    for (const n of ['state', 'hdfs-datanode', 'agent', 'yarn-nodemanager']) {
      await fsp.writeFile(path.join(dir, 'run', `${n}.pid`), '1\n');
    }
    const names = await recordedServices(dir);
    expect(names.slice(0, 2).sort()).toEqual(['hdfs-datanode', 'yarn-nodemanager']);
    expect(names.slice(2)).toEqual(['agent', 'state']);
  });

  it('ends every recorded service and the processes they started; --kill does not wait for a clean exit', async () => {
    // A daemon that ignores SIGTERM, with a child: only a kill of its whole group ends both.
    const stubborn = ['bash', '-c', "trap '' TERM; sleep 300 & wait"];
    const a = await startService('stubborn-daemon', stubborn, { runtimeDir: dir });
    const b = await startService('other-daemon', ['sleep', '300'], { runtimeDir: dir });
    expect(await servicePid('stubborn-daemon', dir)).toBe(a.pid);
    const t0 = Date.now();
    const result = await nodeStop({ services: true, kill: true });
    expect(result.stopped.sort()).toEqual(['other-daemon', 'stubborn-daemon']);
    expect(Date.now() - t0).toBeLessThan(5000);
    // Our own children linger as zombies until Node reaps them: give that a moment.
    for (let i = 0; i < 40 && (alive(a.pid) || alive(b.pid)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(a.pid) || alive(b.pid)).toBe(false);
    // The group's other process (sleep) may still be on its way out for a moment after its SIGKILL.
    const left = (): string[] =>
      execFileSync('ps', ['-eo', 'pgid=,stat='])
        .toString()
        .split('\n')
        .filter((l) => Number(l.trim().split(/\s+/)[0]) === a.pid && !l.includes('Z'));
    for (let i = 0; i < 40 && left().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(left()).toEqual([]);
    expect(await recordedServices(dir)).toEqual([]);
  });
});

describe('a service held until a call ends', () => {
  const within = (ms: number, probe: () => Promise<boolean> | boolean): Promise<boolean> =>
    waitUpTo(probe, { what: 'the held service', ms, pauseMs: 50 });

  it('starts its command once that process has ended, without the call in its environment', async () => {
    const call = spawn('sleep', ['300'], { stdio: 'ignore' });
    const ran = path.join(dir, 'ran');
    vi.stubEnv('CLOUDTIK_NODE_CALL_PID', String(call.pid));
    const held = await startService('held', ['bash', '-c', `env > ${ran}; sleep 300`], {
      runtimeDir: dir,
      afterPid: call.pid,
    });
    expect(held.started).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(await exists(ran)).toBe(false);
    call.kill();
    expect(await within(2000, () => exists(ran))).toBe(true);
    const seen = await fsp.readFile(ran, 'utf8');
    expect(seen).not.toMatch(/CLOUDTIK_NODE_CALL_PID|CLOUDTIK_SERVICE_AFTER_PID/);
    expect(await stopService('held', { runtimeDir: dir })).toBe(true);
  });

  it('never starts its command when stopped while held', async () => {
    const call = spawn('sleep', ['300'], { stdio: 'ignore' });
    const ran = path.join(dir, 'ran');
    const held = await startService('held', ['touch', ran], { runtimeDir: dir, afterPid: call.pid });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    expect(await stopService('held', { runtimeDir: dir })).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await within(1000, () => !alive(held.pid))).toBe(true);
    call.kill();
    await new Promise((r) => setTimeout(r, 300));
    expect(await exists(ran)).toBe(false);
  });
});

describe('a service held until a release comes through the state store', () => {
  const redis = new Redis(0, 'hold-secret-1');
  let release: () => Promise<void>;
  const within = (ms: number, probe: () => Promise<boolean> | boolean): Promise<boolean> =>
    waitUpTo(probe, { what: 'the held service', ms, pauseMs: 50 });
  const hold = (seconds = 30): ServiceHold => ({
    key: SERVICES_RELEASE_KEY,
    port: redis.port,
    password: redis.password,
    seconds,
  });

  beforeAll(async () => {
    Object.assign(redis, { port: await freePort() });
    await redis.start();
    release = async () => {
      const store = await RedisStateStore.connect({ host: '127.0.0.1', port: redis.port, password: redis.password });
      await store.releaseServices();
      await store.close();
    };
  });
  afterAll(() => redis.stop());
  // A release left from the test before (handed on, it stays a few seconds) would let the next hold through.
  beforeEach(() => {
    const env = { ...process.env, REDISCLI_AUTH: redis.password };
    const args = ['-h', '127.0.0.1', '-p', String(redis.port), '--no-auth-warning', 'DEL', SERVICES_RELEASE_KEY];
    execFileSync('redis-cli', args, { env });
  });

  it('starts its command only once released, and hands the release on to the next one held', async () => {
    const [a, b] = [path.join(dir, 'ran-a'), path.join(dir, 'ran-b')];
    await startService('held-a', ['bash', '-c', `env > ${a}; sleep 300`], { runtimeDir: dir, hold: hold() });
    await startService('held-b', ['bash', '-c', `env > ${b}; sleep 300`], { runtimeDir: dir, hold: hold() });
    await new Promise((r) => setTimeout(r, 500));
    expect(await exists(a)).toBe(false);
    expect(await exists(b)).toBe(false);
    // The password is the hold's, in its environment only: never an argument of a process.
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(redis.password);

    await release();
    expect(await within(3000, async () => (await exists(a)) && (await exists(b)))).toBe(true);
    const seen = await fsp.readFile(a, 'utf8');
    expect(seen).not.toMatch(/REDISCLI_AUTH|CLOUDTIK_SERVICE_HOLD|hold-secret/);
    expect(await stopService('held-a', { runtimeDir: dir })).toBe(true);
    expect(await stopService('held-b', { runtimeDir: dir })).toBe(true);
  });

  it('never starts its command when stopped while held', async () => {
    const ran = path.join(dir, 'ran');
    const held = await startService('held', ['touch', ran], { runtimeDir: dir, hold: hold() });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    expect(await stopService('held', { runtimeDir: dir })).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await within(1000, () => !alive(held.pid))).toBe(true);
    await release();
    await new Promise((r) => setTimeout(r, 300));
    expect(await exists(ran)).toBe(false);
  });

  it('starts at once without a store to wait on, and on its own once its time is up', async () => {
    const [gone, late] = [path.join(dir, 'ran-gone'), path.join(dir, 'ran-late')];
    await startService('no-store', ['touch', gone], { runtimeDir: dir, hold: { ...hold(), port: await freePort() } });
    expect(await within(2000, () => exists(gone))).toBe(true);
    await startService('late', ['touch', late], { runtimeDir: dir, hold: hold(1) });
    await new Promise((r) => setTimeout(r, 400));
    expect(await exists(late)).toBe(false);
    expect(await within(3000, () => exists(late))).toBe(true);
    await stopService('no-store', { runtimeDir: dir });
    await stopService('late', { runtimeDir: dir });
  });
});

describe('a service stopped right after its start', () => {
  it('ends at once when the stop comes before its supervisor has started the command', async () => {
    // A `date` that takes 0.6 s holds the supervisor just before it starts the command (its first
    // use of date), so the stop lands after its trap is set and before the command's pid is known.
    const bin = path.join(dir, 'slow-bin');
    await fsp.mkdir(bin);
    await fsp.writeFile(path.join(bin, 'date'), '#!/bin/sh\nsleep 0.6\nexec /bin/date "$@"\n', { mode: 0o755 });
    const envWithSlowDate = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    await startService('quick-daemon', ['sleep', '300'], { runtimeDir: dir, env: envWithSlowDate });
    await new Promise((r) => setTimeout(r, 250));
    const t0 = Date.now();
    expect(await stopService('quick-daemon', { runtimeDir: dir, graceMs: 5000 })).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await fsp.readFile(servicePaths('quick-daemon', dir).log, 'utf8')).toMatch(/"msg":"stopped"/);
  });
});

describe('the grace a service gets to stop', () => {
  // A daemon that writes a file on SIGTERM after a short clean-up, then exits.
  const tidy = (file: string): string[] => [
    'bash',
    '-c',
    `trap 'sleep 0.3; touch ${file}; exit 0' TERM; sleep 300 & wait`,
  ];

  it('is kept by default: a daemon that cleans up on SIGTERM gets to finish', async () => {
    const done = path.join(dir, 'cleaned-up');
    await startService('tidy-daemon', tidy(done), { runtimeDir: dir });
    await new Promise((r) => setTimeout(r, 200));
    expect(await stopService('tidy-daemon', { runtimeDir: dir })).toBe(true);
    await expect(fsp.stat(done)).resolves.toBeDefined();
  });

  it('is none on a node discarded right after (the whole cluster stops): killed at once', async () => {
    vi.stubEnv('CLOUDTIK_CLUSTER_STOPPING', 'discard');
    const done = path.join(dir, 'cleaned-up');
    const stubborn = await startService('stubborn-daemon', ['bash', '-c', "trap '' TERM; sleep 300 & wait"], {
      runtimeDir: dir,
    });
    await startService('tidy-daemon', tidy(done), { runtimeDir: dir });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    expect(await stopService('stubborn-daemon', { runtimeDir: dir })).toBe(true);
    expect(await stopService('tidy-daemon', { runtimeDir: dir })).toBe(true);
    expect(Date.now() - t0).toBeLessThan(250);
    for (let i = 0; i < 40 && alive(stubborn.pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(stubborn.pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    await expect(fsp.stat(done)).rejects.toThrow();
  });

  it('goes on while the daemon works (a JVM writing its archive), not while it idles', async () => {
    const done = path.join(dir, 'worked');
    // Busy for 1.5 s after SIGTERM (its loop in its own process group), then done.
    const busy = `trap 'trap "" TERM; timeout --foreground 1.5 bash -c "while :; do :; done"; touch ${done}; exit 0' TERM; sleep 300 & wait`;
    await startService('busy-daemon', ['bash', '-c', busy], { runtimeDir: dir });
    const idle = await startService('idle-daemon', ['bash', '-c', "trap '' TERM; sleep 300 & wait"], {
      runtimeDir: dir,
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(await stopService('busy-daemon', { runtimeDir: dir, graceMs: 300 })).toBe(true);
    await expect(fsp.stat(done)).resolves.toBeDefined();
    const t0 = Date.now();
    expect(await stopService('idle-daemon', { runtimeDir: dir, graceMs: 300 })).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
    for (let i = 0; i < 40 && alive(idle.pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(idle.pid)).toBe(false);
    // The killed one's log says so (its supervisor, killed with it, could not); the other's does not.
    const log = (name: string): Promise<string> => fsp.readFile(servicePaths(name, dir).log, 'utf8');
    expect(await log('idle-daemon')).toMatch(
      /"service":"idle-daemon","msg":"killed: not exited \d+\.\d s after its stop"/,
    );
    expect(await log('busy-daemon')).not.toContain('killed');
  });
});
