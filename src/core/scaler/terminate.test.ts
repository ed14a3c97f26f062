import { describe, expect, it } from 'vitest';
import {
  earlyVerdict,
  idleTimeoutMs,
  isIdle,
  LAUNCH_GRACE_MS,
  STARTUP_GRACE_MS,
  workersToTerminate,
} from './terminate.js';
import { config, MIN, NOW, S, times, type, W } from './scaler.fixtures.js';
import type { PassInput, ScalerConfig, ScalerNode } from './types.js';

/** A worker; `idle` is how long ago it was last used (undefined: never seen before). */
function node(id: string, over: Partial<ScalerNode> & { idle?: number } = {}): ScalerNode & { idle?: number } {
  return {
    id,
    nodeType: W,
    ip: `10.0.0.${id.length}`,
    running: true,
    status: 'up-to-date',
    launchHash: 'h1',
    createdAt: NOW - 60 * MIN,
    heartbeatAt: NOW - S,
    inUse: false,
    ...over,
  };
}

function input(
  cfg: ScalerConfig,
  workers: (ScalerNode & { idle?: number })[],
  over: Partial<PassInput> = {},
  startedAt = NOW - 60 * MIN,
): PassInput {
  const lastUsedAt = new Map<string, number>();
  for (const w of workers) if (w.idle !== undefined) lastUsedAt.set(w.id, NOW - w.idle);
  return {
    config: cfg,
    workers: workers.map(({ idle: _idle, ...w }) => w),
    pending: {},
    requests: [],
    demands: [],
    updating: new Set(),
    blockedTypes: {},
    now: NOW,
    memory: { lastUsedAt, startedAt },
    ...over,
  };
}

const reasons = (i: PassInput): Record<string, string> =>
  Object.fromEntries(workersToTerminate(i).terminate.map((d): [string, string] => [d.nodeId ?? '', d.reason]));

const TERMINATE_CASES: { name: string; input: PassInput; terminate: Record<string, string> }[] = [
  {
    name: 'above max_workers, last used at the same time (a new controller): the older goes, whatever the ids',
    input: input(config([type(W, { maxWorkers: 1 })]), [
      node('a', { createdAt: NOW - 50 * MIN, idle: 0 }),
      node('b', { createdAt: NOW - 5 * MIN, idle: 0 }),
    ]),
    terminate: { a: 'above max_workers of worker.default (1)' },
  },
  {
    name: 'a worker that does not run',
    input: input(config(), [node('a', { running: false, status: 'exited' })]),
    terminate: { a: 'not running (exited)' },
  },
  {
    name: 'a worker created but not started yet is being launched, not dead',
    input: input(config(), [node('a', { running: false, starting: true, status: 'created', createdAt: NOW - 2 * S })]),
    terminate: {},
  },
  {
    name: 'a worker that never started after LAUNCH_GRACE_MS',
    input: input(config(), [
      node('a', { running: false, starting: true, status: 'created', createdAt: NOW - LAUNCH_GRACE_MS - S }),
    ]),
    terminate: { a: 'not running (created)' },
  },
  {
    name: 'a node type no longer in the config',
    input: input(config(), [node('a', { nodeType: 'worker.old' })]),
    terminate: { a: 'node type worker.old is no longer in the config' },
  },
  {
    name: 'setup failed',
    input: input(config(), [node('a', { status: 'update-failed' })]),
    terminate: { a: 'setup failed' },
  },
  {
    name: 'setup failed, but its updater runs again',
    input: input(config(), [node('a', { status: 'update-failed' })], { updating: new Set(['a']) }),
    terminate: {},
  },
  {
    name: 'an outdated launch config',
    input: input(config(), [node('a', { launchHash: 'h0' }), node('b')]),
    terminate: { a: 'outdated launch config' },
  },
  {
    name: 'outdated even within min_workers',
    input: input(config([type(W, { minWorkers: 2 })]), [
      node('a', { launchHash: 'h0' }),
      node('b', { launchHash: 'h0' }),
    ]),
    terminate: { a: 'outdated launch config', b: 'outdated launch config' },
  },
  {
    name: 'idle past the timeout',
    input: input(config(), [
      node('a', { idle: 5 * MIN + 12 * S }),
      node('b', { idle: 6 * MIN }),
      node('c', { idle: MIN }),
    ]),
    terminate: { a: 'idle 5m12s', b: 'idle 6m' },
  },
  {
    name: 'idle exactly the timeout stays',
    input: input(config(), [node('a', { idle: 5 * MIN })]),
    terminate: {},
  },
  {
    name: 'a busy worker is never idle',
    input: input(config(), [node('a', { idle: 60 * MIN, inUse: true })]),
    terminate: {},
  },
  {
    name: 'a worker seen for the first time is not idle',
    input: input(config(), [node('a')]),
    terminate: {},
  },
  {
    name: 'within min_workers the most recently used stay',
    input: input(config([type(W, { minWorkers: 2 })]), [
      node('a', { idle: 30 * MIN }),
      node('b', { idle: 10 * MIN }),
      node('c', { idle: 20 * MIN }),
    ]),
    terminate: { a: 'idle 30m' },
  },
  {
    name: 'nothing is idle in the startup grace',
    input: input(config(), [node('a', { idle: 60 * MIN })], {}, NOW - STARTUP_GRACE_MS),
    terminate: {},
  },
  {
    name: 'idle retirement starts after the startup grace',
    input: input(config(), [node('a', { idle: 60 * MIN })], {}, NOW - STARTUP_GRACE_MS - 1),
    terminate: { a: 'idle 1h' },
  },
  {
    name: 'no idle retirement while its updater runs',
    input: input(config(), [node('a', { idle: 60 * MIN })], { updating: new Set(['a']) }),
    terminate: {},
  },
  {
    name: 'idle workers the CPU requests need stay (head and busy workers count first)',
    input: input(config(), [node('a', { inUse: true }), node('b', { idle: 10 * MIN }), node('c', { idle: 20 * MIN })], {
      requests: times(3, { CPU: 4 }),
    }),
    terminate: { c: 'idle 20m' },
  },
  {
    name: 'idle workers a workers request needs stay, most recently used first',
    input: input(
      config(),
      [node('a', { idle: 30 * MIN }), node('b', { idle: 10 * MIN }), node('c', { idle: 20 * MIN })],
      { requests: times(2, { [W]: 1 }) },
    ),
    terminate: { a: 'idle 30m' },
  },
  {
    name: 'requests for another type keep nothing',
    input: input(config([type(W), type('worker.gpu')]), [node('a', { idle: 10 * MIN })], {
      requests: [{ 'worker.gpu': 1 }],
    }),
    terminate: { a: 'idle 10m' },
  },
  {
    name: "above a type's max_workers the least recently used go",
    input: input(config([type(W, { maxWorkers: 1 })]), [
      node('a', { idle: 2 * MIN }),
      node('b', { idle: MIN, inUse: true }),
    ]),
    terminate: { a: `above max_workers of ${W} (1)` },
  },
  {
    name: 'above the global max the least recently used that may go go, min_workers kept',
    input: input(config([type('A', { minWorkers: 1 }), type('B')], { maxWorkers: 2 }), [
      node('a1', { nodeType: 'A', idle: 4 * MIN }),
      node('b1', { nodeType: 'B', idle: MIN }),
      node('b2', { nodeType: 'B', idle: 3 * MIN }),
    ]),
    terminate: { b2: 'above global max_workers (2)' },
  },
  {
    name: 'the global max trims busy workers too',
    input: input(config(undefined, { maxWorkers: 1 }), [
      node('a', { inUse: true }),
      node('b', { idle: 2 * MIN, inUse: true }),
    ]),
    terminate: { b: 'above global max_workers (1)' },
  },
  {
    name: 'idle ones that went count against the global max',
    input: input(config(undefined, { maxWorkers: 2 }), [
      node('a', { idle: MIN }),
      node('b', { idle: 2 * MIN }),
      node('c', { idle: 10 * MIN }),
    ]),
    terminate: { c: 'idle 10m' },
  },
];

describe('workersToTerminate', () => {
  it.each(TERMINATE_CASES)('$name', ({ input, terminate }) => {
    expect(reasons(input)).toEqual(terminate);
  });

  it('updates when workers were last used: in use or first seen now, vanished ones dropped', () => {
    const i = input(config(), [node('a', { idle: 3 * MIN }), node('b'), node('c', { idle: 9 * MIN, inUse: true })]);
    i.memory.lastUsedAt.set('gone', NOW - MIN);
    const before = new Map(i.memory.lastUsedAt);
    const { lastUsedAt } = workersToTerminate(i);
    expect(Object.fromEntries(lastUsedAt)).toEqual({ a: NOW - 3 * MIN, b: NOW, c: NOW });
    expect(i.memory.lastUsedAt).toEqual(before);
  });

  // Its speed is measured in bench/scaler.mjs (a timed assertion here failed on a loaded machine).
  it('decides on thousands of workers', () => {
    const workers = Array.from({ length: 20_000 }, (_, i) =>
      node(`n${i}`, { idle: (i % 100) * MIN, inUse: i % 3 === 0 }),
    );
    const i = input(config([type(W, { minWorkers: 100, maxWorkers: 30_000 })], { maxWorkers: 15_000 }), workers, {
      requests: times(2000, { CPU: 2 }),
    });
    const { terminate } = workersToTerminate(i);
    expect(terminate.length).toBeGreaterThan(5000);
  });
});

describe('earlyVerdict', () => {
  const t = type(W);
  const stopped = { running: false, status: 'exited' };
  it.each<{ name: string; w: ScalerNode; known?: boolean; updating?: boolean; want: { go?: string; resume?: string } }>(
    [
      { name: 'a current running worker may stay', w: node('a'), want: {} },
      {
        name: 'a type no longer in the config',
        w: node('a', { nodeType: 'gone' }),
        known: false,
        want: { go: 'node type gone is no longer in the config' },
      },
      {
        name: 'a stopped worker of a type no longer in the config',
        w: node('a', { nodeType: 'gone', ...stopped }),
        known: false,
        want: { go: 'not running (exited)' },
      },
      { name: 'stopped, never set up', w: node('a', stopped), want: { go: 'not running (exited)' } },
      {
        name: 'stopped after its setup: started again',
        w: node('a', { ...stopped, resumable: true }),
        want: { resume: 'stopped (exited) after its setup' },
      },
      {
        name: 'stopped after its setup but outdated',
        w: node('a', { ...stopped, resumable: true, launchHash: 'h0' }),
        want: { go: 'not running (exited)' },
      },
      {
        name: 'created and still starting',
        w: node('a', { running: false, status: 'created', starting: true, createdAt: NOW - LAUNCH_GRACE_MS + S }),
        want: {},
      },
      {
        name: 'created long ago and never started',
        w: node('a', { running: false, status: 'created', starting: true, createdAt: NOW - LAUNCH_GRACE_MS - S }),
        want: { go: 'not running (created)' },
      },
      {
        name: 'pending long ago while its launch still waits for it to run',
        w: node('a', { running: false, status: 'pending', starting: true, createdAt: NOW - 5 * LAUNCH_GRACE_MS }),
        updating: true,
        want: {},
      },
      {
        name: 'started again a moment ago',
        w: node('a', { ...stopped, resumable: true, resumedAt: NOW - S }),
        want: {},
      },
      { name: 'setup failed', w: node('a', { status: 'update-failed' }), want: { go: 'setup failed' } },
      {
        name: 'setup failed but an updater runs again',
        w: node('a', { status: 'update-failed' }),
        updating: true,
        want: {},
      },
      { name: 'outdated launch config', w: node('a', { launchHash: 'h0' }), want: { go: 'outdated launch config' } },
    ],
  )('$name', ({ w, known, updating, want }) => {
    const v = earlyVerdict(w, known === false ? undefined : t, { now: NOW, updating: new Set(updating ? [w.id] : []) });
    expect(Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined))).toEqual(want);
  });
});

describe('isIdle', () => {
  const cfg = config(); // idle_timeout 5 min
  it.each<{ name: string; w: ScalerNode; lastUsed: number; updating?: boolean; startedAt?: number; idle: boolean }>([
    { name: 'unused for longer than the idle timeout', w: node('a'), lastUsed: NOW - 5 * MIN - S, idle: true },
    { name: 'unused for exactly the idle timeout', w: node('a'), lastUsed: NOW - 5 * MIN, idle: false },
    { name: 'in use', w: node('a', { inUse: true }), lastUsed: NOW - 10 * MIN, idle: false },
    { name: 'its updater runs', w: node('a'), lastUsed: NOW - 10 * MIN, updating: true, idle: false },
    {
      name: 'the controller is in its startup grace',
      w: node('a'),
      lastUsed: NOW - 10 * MIN,
      startedAt: NOW - STARTUP_GRACE_MS,
      idle: false,
    },
  ])('$name', ({ w, lastUsed, updating, startedAt, idle }) => {
    const given = input(cfg, [w], { updating: new Set(updating ? [w.id] : []) }, startedAt);
    expect(isIdle(w, lastUsed, given)).toBe(idle);
  });

  it('never, with idle_timeout_minutes 0', () => {
    const given = input(config(undefined, { idleTimeoutMs: idleTimeoutMs(0) }), [node('a')]);
    expect(isIdle(node('a'), NOW - 1000 * MIN, given)).toBe(false);
  });
});
