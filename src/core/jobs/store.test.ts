import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, Redis } from '../state/redis.fixtures.js';
import type { JobRecord } from './model.js';
import { JobStore } from './store.js';

const TOKEN = 'N0123456789abcdef';

const draft = (file: string): JobRecord => ({
  seq: 0,
  id: `job-${TOKEN}`,
  file,
  args: ['--name', 'job-{{x}}'],
  runtime: 'shell',
  user: 'me',
  command: `bash ~/user/jobs/job-${TOKEN}/${file}`,
  dir: `user/jobs/job-${TOKEN}`,
  resources: { cpu: 1, memoryMb: 256 },
  state: 'queued',
  submittedAt: 1,
});

describe('JobStore on a real Redis', () => {
  let redis: Redis;
  let store: JobStore;

  beforeAll(async () => {
    redis = new Redis(await freePort(), 'pw-jobs');
    await redis.start();
    store = await JobStore.open({ host: '127.0.0.1', port: redis.port, password: redis.password });
  });

  afterAll(async () => {
    await store.close();
    await redis.stop();
  });

  it('numbers concurrent submits in the order they are queued, the number in id, folder and command', async () => {
    const queued = await Promise.all(Array.from({ length: 20 }, (_, i) => store.enqueue(draft(`f${i}.sh`), TOKEN)));
    const listed = await store.list();
    expect(listed.map((j) => j.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const j of listed) {
      expect(j.id).toBe(`job-${j.seq}`);
      expect(j.dir).toBe(`user/jobs/job-${j.seq}`);
      expect(j.command).toBe(`bash ~/user/jobs/job-${j.seq}/${j.file}`);
      expect(j.args).toEqual(['--name', 'job-{{x}}']);
    }
    expect(new Set(queued.map((j) => j.id)).size).toBe(20);
  });

  it('lets exactly one of a start and a cancel that race win', async () => {
    const job = await store.enqueue(draft('race.sh'), TOKEN);
    const [started, cancelled] = await Promise.all([
      store.apply(job.id, { type: 'start', at: 2, pid: 7, headStart: 'h' }),
      store.apply(job.id, { type: 'cancel', at: 2 }),
    ]);
    const after = await store.get(job.id);
    if ('error' in started) {
      expect(cancelled).toMatchObject({ state: 'cancelled' });
      expect(after?.state).toBe('cancelled');
    } else {
      // The start won; the cancel then applied to the running job and asked it to stop.
      expect(cancelled).toMatchObject({ state: 'running', cancelRequested: true });
      expect(after).toMatchObject({ state: 'running', cancelRequested: true, pid: 7 });
    }
  });

  it('says why an event does not apply, and that a job is unknown', async () => {
    const job = await store.enqueue(draft('done.sh'), TOKEN);
    await store.apply(job.id, { type: 'cancel', at: 3 });
    expect(await store.apply(job.id, { type: 'cancel', at: 4 })).toEqual({
      error: `job ${job.id} already ended: it was cancelled`,
    });
    expect(await store.apply('job-999', { type: 'cancel', at: 4 })).toEqual({ error: 'no job job-999' });
  });

  it('wakes a waiting runner at once', async () => {
    const t0 = Date.now();
    const waiting = store.waitForWake(5000);
    await new Promise((r) => setTimeout(r, 100));
    const other = await JobStore.open({ host: '127.0.0.1', port: redis.port, password: redis.password });
    await other.wake();
    await waiting;
    await other.close();
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("the runner's store (reconnect) keeps working after the store restarts: jobs, wake-ups", async () => {
    const own = new Redis(await freePort(), 'pw-jobs-restart');
    await own.start();
    const runner = await JobStore.open({ host: '127.0.0.1', port: own.port, password: own.password, reconnect: true });
    try {
      await runner.enqueue(draft('before.sh'), TOKEN);
      await own.stop();
      await expect(runner.list()).rejects.toThrow();
      await own.start();
      // The store's data went with the old server; the connection opens again on the next call.
      expect(await runner.list()).toEqual([]);
      const queued = await runner.enqueue(draft('after.sh'), TOKEN);
      expect(queued.file).toBe('after.sh');
      const waiting = runner.waitForWake(5000);
      const client = await JobStore.open({ host: '127.0.0.1', port: own.port, password: own.password });
      const t0 = Date.now();
      await client.wake();
      await waiting;
      expect(Date.now() - t0).toBeLessThan(2000);
      await client.close();
    } finally {
      await runner.close();
      await own.stop();
    }
  });
});
