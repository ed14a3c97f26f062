/**
 * Jobs in the head's state store (its Redis, written to its append-only file, so the queue and
 * the history outlive a restart of the runner, of the store and of the head). One hash holds
 * every job as JSON; a job changes only by compare-and-set (a small script the store runs
 * atomically), so the runner starting a job and a user cancelling it cannot both win.
 */
import { StoreConnection, type StoreConnectionOptions } from '../state/store-connection.js';
import { transition, type ClusterLimits, type JobEvent, type JobRecord } from './model.js';

const KEY = {
  jobs: 'cloudtik:jobs',
  seq: 'cloudtik:jobs:seq',
  wake: 'cloudtik:jobs:wake',
  limits: 'cloudtik:jobs:limits',
} as const;

/** Replace a hash field only when it still holds what the caller read. */
const CAS = `local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end
return 0`;

/** Take the next number and store the job under it (see JobStore.enqueue). */
const ENQUEUE = `local n = redis.call('INCR', KEYS[2])
local rec = string.gsub(ARGV[1], ARGV[2], tostring(n))
rec = string.gsub(rec, '^{"seq":0,', '{"seq":' .. n .. ',', 1)
redis.call('HSET', KEYS[1], 'job-' .. n, rec)
return n`;

const parse = (raw: unknown): JobRecord | undefined => {
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as JobRecord;
  } catch {
    return undefined;
  }
};

export class JobStore {
  private constructor(private readonly conn: StoreConnection) {}

  /** With `reconnect` (the head's runner), the connection is opened again after the store restarts. */
  static async open(o: StoreConnectionOptions): Promise<JobStore> {
    return new JobStore(await StoreConnection.open(o));
  }

  /**
   * Queue a job: its number (the queue's order) is taken and the job stored in one step, so
   * concurrent submits are queued in the order of their numbers. `job` is written with `seq` 0
   * and `token` wherever its number goes (its id, folder, command); resolves with the stored job.
   */
  async enqueue(job: JobRecord, token: string): Promise<JobRecord> {
    const text = JSON.stringify({ ...job, seq: 0 });
    if (!text.startsWith('{"seq":0,')) throw new Error('a job record must start with its seq');
    const n = Number(await this.conn.call('EVAL', ENQUEUE, 2, KEY.jobs, KEY.seq, text, token));
    const stored = await this.get(`job-${n}`);
    if (!stored) throw new Error(`job-${n} was not stored`);
    return stored;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return parse(await this.conn.call('HGET', KEY.jobs, id));
  }

  /** Every job, in submit order. */
  async list(): Promise<JobRecord[]> {
    const flat = await this.conn.call('HGETALL', KEY.jobs);
    const values = Array.isArray(flat) ? flat.filter((_, i) => i % 2 === 1) : [];
    return values.flatMap((v) => parse(v) ?? []).sort((a, b) => a.seq - b.seq);
  }

  /**
   * Apply `event` to job `id` (read, decide, compare-and-set; again when someone else changed it
   * meanwhile). Resolves with the job after it, or with why it does not apply.
   */
  async apply(id: string, event: JobEvent, extra: Partial<JobRecord> = {}): Promise<JobRecord | { error: string }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const raw = await this.conn.call('HGET', KEY.jobs, id);
      const job = parse(raw);
      if (!job) return { error: `no job ${id}` };
      const next = transition(job, event);
      if ('error' in next) return next;
      const changed = { ...next, ...extra };
      if ((await this.conn.call('EVAL', CAS, 1, KEY.jobs, id, raw as string, JSON.stringify(changed))) === 1) {
        return changed;
      }
    }
    return { error: `job ${id} kept changing; try again` };
  }

  /** Set fields that are no state change (where its output went), by the same compare-and-set. */
  async patch(id: string, extra: Partial<JobRecord>): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const raw = await this.conn.call('HGET', KEY.jobs, id);
      const job = parse(raw);
      if (!job) return;
      if (
        (await this.conn.call('EVAL', CAS, 1, KEY.jobs, id, raw as string, JSON.stringify({ ...job, ...extra }))) === 1
      )
        return;
    }
  }

  async setLimits(limits: ClusterLimits): Promise<void> {
    await this.conn.call('SET', KEY.limits, JSON.stringify(limits));
  }

  async limits(): Promise<ClusterLimits | undefined> {
    const raw = await this.conn.call('GET', KEY.limits);
    return typeof raw === 'string' ? (JSON.parse(raw) as ClusterLimits) : undefined;
  }

  /** Tell the runner to look now (a job was submitted or cancelled). */
  async wake(): Promise<void> {
    await this.conn.wake(KEY.wake);
  }

  /** Resolve after `ms`, or as soon as someone calls {@link wake}. */
  async waitForWake(ms: number, signal?: AbortSignal): Promise<void> {
    await this.conn.waitForWake(KEY.wake, ms, signal);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
