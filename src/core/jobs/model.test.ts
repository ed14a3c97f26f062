import { describe, expect, it } from 'vitest';
import {
  capacityNow,
  clusterMaximum,
  incomingToRemove,
  INCOMING_GRACE_MS,
  jobExitCode,
  jobsToStart,
  lostOrExited,
  neverFits,
  parseResources,
  transition,
  type ClusterLimits,
  type JobEvent,
  type JobRecord,
  type JobState,
  type Resources,
} from './model.js';

const job = (
  seq: number,
  state: JobState = 'queued',
  resources: Resources = { cpu: 2, memoryMb: 1024 },
): JobRecord => ({
  id: `job-${seq}`,
  seq,
  file: 'a.sh',
  args: [],
  runtime: 'shell',
  user: 'me',
  command: 'bash a.sh',
  dir: `user/jobs/job-${seq}`,
  resources,
  state,
  submittedAt: 1000 + seq,
});

const LIMITS: ClusterLimits = {
  headType: 'head.default',
  head: { cpu: 2, memoryMb: 4096 },
  workerTypes: { 'worker.default': { cpu: 2, memoryMb: 2048, max: 2 } },
  maxWorkers: 2,
};

describe('parseResources', () => {
  const base = { cpu: 1, memoryMb: 256 };
  it.each([
    ['', base],
    ['cpu=2,memory=2g', { cpu: 2, memoryMb: 2048 }],
    ['cpus=0.5', { cpu: 0.5, memoryMb: 256 }],
    ['memory=512m', { cpu: 1, memoryMb: 512 }],
    ['mem=1024', { cpu: 1, memoryMb: 1024 }],
    [' cpu = 3 , memory=1.5G ', { cpu: 3, memoryMb: 1536 }],
  ])('%j -> %j', (text, want) => expect(parseResources(text, base)).toEqual(want));

  it.each([
    ['gpu=1', /unknown resource "gpu"/],
    ['cpu=0', /cpu must be a positive number/],
    ['cpu=two', /cpu must be a positive number/],
    ['memory=lots', /memory must be like 512m or 2g/],
    ['memory=0', /more than 0/],
    ['cpu', /expected name=value/],
  ])('%j is refused', (text, want) => expect(() => parseResources(text, base)).toThrow(want));
});

describe('the cluster maximum and jobs that can never fit', () => {
  it.each<[string, ClusterLimits, Resources]>([
    ['head + max_workers of one type', LIMITS, { cpu: 6, memoryMb: 8192 }],
    ['the global cap below the type caps', { ...LIMITS, maxWorkers: 1 }, { cpu: 4, memoryMb: 6144 }],
    [
      'the biggest workers first under the global cap, per resource',
      {
        ...LIMITS,
        maxWorkers: 2,
        workerTypes: { small: { cpu: 1, memoryMb: 8192, max: 2 }, big: { cpu: 4, memoryMb: 1024, max: 1 } },
      },
      { cpu: 2 + 4 + 1, memoryMb: 4096 + 8192 * 2 },
    ],
    ['no workers', { ...LIMITS, workerTypes: {} }, { cpu: 2, memoryMb: 4096 }],
  ])('%s', (_, limits, want) => expect(clusterMaximum(limits)).toEqual(want));

  it('says nothing about a job that fits, exactly', () => {
    expect(neverFits({ cpu: 6, memoryMb: 8192 }, LIMITS)).toBeUndefined();
  });

  it('gives the numbers for one that does not', () => {
    expect(neverFits({ cpu: 7, memoryMb: 1024 }, LIMITS)).toBe(
      'the job asks for cpu=7, memory=1G, more than the cluster can ever have: cpu=6, memory=8G (the head cpu=2, memory=4G + 2 × worker.default cpu=2, memory=2G)',
    );
    expect(neverFits({ cpu: 1, memoryMb: 9000 }, LIMITS)).toMatch(
      /asks for cpu=1, memory=.*can ever have: cpu=6, memory=8G/,
    );
  });
});

describe('capacityNow', () => {
  const now = 100_000;
  const node = (nodeType: string, age: number, cpus = 8, memoryTotal = 8 * 2 ** 30) => ({
    nodeType,
    cpus,
    memoryTotal,
    time: now - age,
  });
  it.each<[string, ReturnType<typeof node>[], ClusterLimits | undefined, Resources]>([
    ['nobody reported', [], LIMITS, { cpu: 0, memoryMb: 0 }],
    [
      'head and a worker, by their types',
      [node('head.default', 0), node('worker.default', 500)],
      LIMITS,
      { cpu: 4, memoryMb: 6144 },
    ],
    [
      'a silent worker does not count',
      [node('head.default', 0), node('worker.default', 31_000)],
      LIMITS,
      { cpu: 2, memoryMb: 4096 },
    ],
    ['an unknown type counts what it reports', [node('other', 0, 3, 2 ** 30)], LIMITS, { cpu: 3, memoryMb: 1024 }],
    ['no limits published yet', [node('head.default', 0, 2, 2 ** 31)], undefined, { cpu: 2, memoryMb: 2048 }],
  ])('%s', (_, nodes, limits, want) => expect(capacityNow(nodes, limits, now, 30_000)).toEqual(want));
});

describe('jobsToStart', () => {
  const ids = (jobs: JobRecord[]): string[] => jobs.map((j) => j.id);
  const cap = { cpu: 4, memoryMb: 8192 };
  it.each<[string, JobRecord[], Resources, string[]]>([
    ['two of five fit, in submit order', [job(3), job(1), job(2), job(5), job(4)], cap, ['job-1', 'job-2']],
    ['running jobs hold their share', [job(1, 'running'), job(2), job(3)], cap, ['job-2']],
    ['full: nothing starts', [job(1, 'running'), job(2, 'running'), job(3)], cap, []],
    ['ended jobs hold nothing', [job(1, 'succeeded'), job(2, 'failed'), job(3, 'cancelled'), job(4)], cap, ['job-4']],
    [
      'a big job at the front is not overtaken by a small one behind it',
      [job(1, 'running'), job(2, 'queued', { cpu: 4, memoryMb: 100 }), job(3, 'queued', { cpu: 1, memoryMb: 100 })],
      cap,
      [],
    ],
    [
      'memory counts too',
      [job(1, 'queued', { cpu: 1, memoryMb: 5000 }), job(2, 'queued', { cpu: 1, memoryMb: 5000 })],
      cap,
      ['job-1'],
    ],
    ['no capacity yet (no heartbeats)', [job(1)], { cpu: 0, memoryMb: 0 }, []],
  ])('%s', (_, jobs, capacity, want) => expect(ids(jobsToStart(jobs, capacity))).toEqual(want));
});

describe('transition', () => {
  const at = 5000;
  const start: JobEvent = { type: 'start', at, pid: 42, pidStart: '99', headStart: 'h1' };
  const running = { ...job(1), state: 'running' as const, startedAt: 10, pid: 42, headStart: 'h1' };
  it.each<[string, JobRecord, JobEvent, Partial<JobRecord> | RegExp]>([
    ['queued starts', job(1), start, { state: 'running', startedAt: at, pid: 42, pidStart: '99', headStart: 'h1' }],
    ['running cannot start again', running, start, /job-1 is running: cannot start it/],
    ['exit 0 succeeds', running, { type: 'exit', at, code: 0 }, { state: 'succeeded', exitCode: 0, endedAt: at }],
    [
      'exit 3 fails',
      running,
      { type: 'exit', at, code: 3 },
      { state: 'failed', exitCode: 3, reason: 'exited with code 3' },
    ],
    [
      'exit after a cancel request is cancelled',
      { ...running, cancelRequested: true },
      { type: 'exit', at, code: 143 },
      { state: 'cancelled', exitCode: 143, reason: 'cancelled while it ran' },
    ],
    [
      'a queued job cancels at once',
      job(1),
      { type: 'cancel', at },
      { state: 'cancelled', endedAt: at, reason: 'cancelled while queued' },
    ],
    ['a running job is asked to stop', running, { type: 'cancel', at }, { state: 'running', cancelRequested: true }],
    [
      'an ended job cannot be cancelled',
      { ...job(1), state: 'succeeded' },
      { type: 'cancel', at },
      /already ended: it has succeeded/,
    ],
    [
      'a cancelled one neither',
      { ...job(1), state: 'cancelled' },
      { type: 'cancel', at },
      /already ended: it was cancelled/,
    ],
    [
      'lost fails with its reason',
      running,
      { type: 'lost', at, reason: 'gone' },
      { state: 'failed', reason: 'gone', endedAt: at },
    ],
    ['a queued job cannot be lost', job(1), { type: 'lost', at, reason: 'gone' }, /is queued: cannot lost/],
    ['a queued job cannot exit', job(1), { type: 'exit', at, code: 0 }, /is queued: cannot exit/],
  ])('%s', (_, from, event, want) => {
    const r = transition(from, event);
    if (want instanceof RegExp) expect('error' in r ? r.error : 'no error').toMatch(want);
    else expect(r).toMatchObject(want);
  });
});

describe('lostOrExited', () => {
  const running = { ...job(1), state: 'running' as const, headStart: 'h1' };
  it.each<[string, number | undefined, string, JobEvent]>([
    ['it left an exit code', 0, 'h1', { type: 'exit', at: 1, code: 0 }],
    ['it left one before the head restarted', 2, 'h2', { type: 'exit', at: 1, code: 2 }],
    [
      'none, and the head restarted',
      undefined,
      'h2',
      { type: 'lost', at: 1, reason: 'the head restarted while it ran' },
    ],
    [
      'none, same head',
      undefined,
      'h1',
      { type: 'lost', at: 1, reason: 'its process ended without leaving an exit code (killed?)' },
    ],
  ])('%s', (_, code, head, want) => expect(lostOrExited(running, code, head, 1)).toEqual(want));
});

describe('jobExitCode', () => {
  it.each<[Partial<JobRecord>, number]>([
    [{ state: 'succeeded', exitCode: 0 }, 0],
    [{ state: 'failed', exitCode: 3 }, 3],
    [{ state: 'failed' }, 1],
    [{ state: 'cancelled', exitCode: 143 }, 130],
  ])('%j -> %d', (fields, want) => expect(jobExitCode({ ...job(1), ...fields })).toBe(want));
});

describe('incomingToRemove', () => {
  const withUpload = (seq: number, state: JobState, name: string): JobRecord => ({
    ...job(seq, state),
    incoming: `user/jobs/${name}`,
  });
  const old = INCOMING_GRACE_MS + 1;

  it("removes at once the folder of a job that ended without starting, and keeps a queued job's however old", () => {
    const jobs = [withUpload(1, 'cancelled', '.incoming-a'), withUpload(2, 'queued', '.incoming-b')];
    const folders = [
      { name: '.incoming-a', ageMs: 5 },
      { name: '.incoming-b', ageMs: old },
    ];
    expect(incomingToRemove(folders, jobs)).toEqual(['.incoming-a']);
  });

  it('removes a folder no job refers to only once it is older than the grace time', () => {
    const folders = [
      { name: '.incoming-young', ageMs: INCOMING_GRACE_MS - 1 },
      { name: '.incoming-old', ageMs: old },
    ];
    expect(incomingToRemove(folders, [job(1, 'succeeded')])).toEqual(['.incoming-old']);
  });
});
