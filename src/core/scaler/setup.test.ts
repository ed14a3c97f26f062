import { describe, expect, it } from 'vitest';
import { W } from './scaler.fixtures.js';
import { setUpByStart, workersToSetUp, type SetupCandidate, type SetupInput } from './setup.js';

function worker(id: string, over: Partial<SetupCandidate> = {}): SetupCandidate {
  return {
    id,
    nodeType: W,
    running: true,
    launchHash: 'h1',
    status: 'up-to-date',
    runtimeHash: 'r1',
    fileMountsHash: 'f1',
    ...over,
  };
}

function input(workers: SetupCandidate[], over: Partial<SetupInput> = {}): SetupInput {
  return {
    workers,
    launchHashes: { [W]: 'h1' },
    runtimeHashes: { [W]: 'r1' },
    fileMountsHash: 'f1',
    pending: new Map(),
    skip: new Set(),
    ...over,
  };
}

describe('workersToSetUp', () => {
  it.each<{ name: string; input: SetupInput; want: [string, string][] }>([
    { name: 'an up-to-date worker with current inputs', input: input([worker('a')]), want: [] },
    {
      name: 'the runtime config changed',
      input: input([worker('a', { runtimeHash: 'r0' })]),
      want: [['a', 'setup inputs changed']],
    },
    {
      name: 'the runtime config changed and so did the file mounts: the runtime is named',
      input: input([worker('a', { runtimeHash: 'r0', fileMountsHash: 'f0' })]),
      want: [['a', 'setup inputs changed']],
    },
    {
      name: 'a setup re-run asked for by start --rerun-setup',
      input: input([worker('a', { runtimeHash: 'rerun-requested' }), worker('b')]),
      want: [['a', 'setup re-run requested']],
    },
    {
      name: 'the file mounts changed',
      input: input([worker('a', { fileMountsHash: undefined })]),
      want: [['a', 'file mounts changed']],
    },
    {
      name: 'adopted mid-update (no updater runs for it)',
      input: input([worker('a', { status: 'setting-up' }), worker('b', { status: undefined })]),
      want: [
        ['a', 'status setting-up with no updater running'],
        ['b', 'status unknown with no updater running'],
      ],
    },
    {
      name: 'new nodes of a launch in flight are left to that launch, others of the type are not',
      input: input(
        [
          worker('a', { status: undefined }),
          worker('b', { status: 'uninitialized' }),
          worker('c', { status: 'waiting-for-ssh' }),
        ],
        { pending: new Map([[W, 2]]) },
      ),
      want: [['c', 'status waiting-for-ssh with no updater running']],
    },
    {
      name: 'a launch in flight of another type does not hold a node back',
      input: input([worker('a', { status: 'uninitialized' })], { pending: new Map([['other', 1]]) }),
      want: [['a', 'status uninitialized with no updater running']],
    },
    {
      name: 'failed, stopped, skipped (terminated or updating), outdated or of an unknown type: none',
      input: input(
        [
          worker('failed', { status: 'update-failed' }),
          worker('stopped', { running: false, runtimeHash: 'r0' }),
          worker('skipped', { runtimeHash: 'r0' }),
          worker('outdated', { launchHash: 'h0', runtimeHash: 'r0' }),
          worker('unknown', { nodeType: 'gone', runtimeHash: 'r0' }),
        ],
        { skip: new Set(['skipped']) },
      ),
      want: [],
    },
  ])('$name', ({ input: given, want }) => {
    expect(workersToSetUp(given).map((d) => [d.nodeId, d.reason])).toEqual(want);
  });
});

describe('setUpByStart', () => {
  const workers = [
    { id: 'a', status: 'setting-up' },
    { id: 'b', status: undefined },
    { id: 'c', status: 'up-to-date' },
    { id: 'd', status: 'update-failed' },
    { id: 'e', status: 'waiting-for-ssh' },
  ];

  it('names the listed workers whose setup has not ended', () => {
    expect([...setUpByStart(['a', 'b', 'c', 'd'], workers).keys()]).toEqual(['a', 'b']);
  });

  it('names none once the window closed (no ids passed)', () => {
    expect(setUpByStart([], workers).size).toBe(0);
  });
});
