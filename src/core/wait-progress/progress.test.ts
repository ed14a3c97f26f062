import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import type { NodeHeartbeat } from '../state/store.js';
import { hopelessTypes, joinedWorkers, minWorkerTargets, shortfall, surplusWorkers, waitState } from './progress.js';

const NOW = 1_000_000;
const A = 'worker.a';
const B = 'worker.b';

function worker(id: string, over: Partial<NodeInfo> = {}, tags: Record<string, string> = {}): NodeInfo {
  return {
    id,
    kind: 'worker',
    nodeType: A,
    seqId: 1,
    ip: '10.0.0.3',
    state: 'running',
    running: true,
    createdAt: 0,
    tags: { [TAG.nodeStatus]: 'up-to-date', [TAG.launchConfig]: 'h1', ...tags },
    limits: { cpus: 1, memoryBytes: 1 },
    ...over,
  };
}

function beat(nodeId: string, time: number): NodeHeartbeat {
  const usage = { cpus: 1, cpuUtilization: 0, memoryTotal: 1, memoryUsed: 0 };
  return { nodeId, ip: '10.0.0.3', kind: 'worker', nodeType: A, seqId: 1, time, ...usage, inUse: false };
}

const look = (beats: Record<string, number>) => ({
  beats: Object.entries(beats).map(([nodeId, age]): NodeHeartbeat => beat(nodeId, NOW - age)),
  launchHashes: { [A]: 'h1' },
  now: NOW,
  heartbeatTimeoutMs: 30_000,
});

describe('joinedWorkers', () => {
  it.each<{ name: string; w: NodeInfo; beatAge?: number; joined: boolean }>([
    { name: 'up-to-date, current, a fresh heartbeat', w: worker('a'), beatAge: 1000, joined: true },
    { name: 'no heartbeat yet', w: worker('a'), joined: false },
    { name: 'a heartbeat as old as the timeout', w: worker('a'), beatAge: 30_000, joined: false },
    { name: 'still setting up', w: worker('a', {}, { [TAG.nodeStatus]: 'setting-up' }), beatAge: 1, joined: false },
    { name: 'an outdated launch config', w: worker('a', {}, { [TAG.launchConfig]: 'h0' }), beatAge: 1, joined: false },
    { name: 'a type the head does not know', w: worker('a', { nodeType: B }), beatAge: 1, joined: false },
    { name: 'stopped', w: worker('a', { running: false, state: 'exited' }), beatAge: 1, joined: false },
  ])('$name', ({ w, beatAge, joined }) => {
    const got = joinedWorkers([w], look(beatAge === undefined ? {} : { a: beatAge }));
    expect(got.map((n) => n.id)).toEqual(joined ? ['a'] : []);
  });
});

describe('joinedWorkers with the setup hashes', () => {
  const setUp = { [TAG.runtimeConfig]: 'r1', [TAG.fileMountsContents]: 'f1' };
  it.each<{ name: string; tags: Record<string, string>; joined: boolean }>([
    { name: 'set up with the current inputs', tags: setUp, joined: true },
    {
      name: 'changed setup inputs, not set up again yet',
      tags: { ...setUp, [TAG.runtimeConfig]: 'r0' },
      joined: false,
    },
    {
      name: 'changed file mounts, not set up again yet',
      tags: { ...setUp, [TAG.fileMountsContents]: 'f0' },
      joined: false,
    },
    { name: 'a setup re-run asked for', tags: { ...setUp, [TAG.runtimeConfig]: 'rerun-requested' }, joined: false },
  ])('$name', ({ tags, joined }) => {
    const got = joinedWorkers([worker('a', {}, tags)], {
      ...look({ a: 1 }),
      runtimeHashes: { [A]: 'r1' },
      fileMountsHash: 'f1',
    });
    expect(got.length).toBe(joined ? 1 : 0);
  });
});

describe('surplusWorkers', () => {
  const config = {
    head_node_type: 'head',
    available_node_types: { head: { max_workers: 0 }, [A]: { max_workers: 1 } },
  } as unknown as ClusterConfig;
  it.each<{ name: string; workers: NodeInfo[]; want: string[] }>([
    { name: 'within max_workers', workers: [worker('a')], want: [] },
    { name: 'above max_workers', workers: [worker('a'), worker('b')], want: [`${A}: 2 workers, max_workers 1`] },
    {
      name: 'a type no longer in the config',
      workers: [worker('a', { nodeType: B })],
      want: [`${B}: 1 worker(s) of a type no longer in the config`],
    },
  ])('$name', ({ workers, want }) => expect(surplusWorkers(workers, config)).toEqual(want));
});

describe('waitState', () => {
  it.each([
    { name: 'joined', w: worker('a'), joined: true, want: 'joined' },
    {
      name: 'its status tag',
      w: worker('a', {}, { [TAG.nodeStatus]: 'setting-up' }),
      joined: false,
      want: 'setting-up',
    },
    { name: 'no status tag yet', w: worker('a', { tags: {} }), joined: false, want: 'uninitialized' },
  ])('$name', ({ w, joined, want }) => {
    expect(waitState(w, joined ? [w] : [])).toBe(want);
  });
});

describe('shortfall', () => {
  const joined = [worker('a1'), worker('a2'), worker('b1', { nodeType: B })];
  it.each<{ name: string; want: { total?: number; targets: Record<string, number> }; done: boolean; short: string[] }>([
    { name: 'every target met', want: { targets: { [A]: 2, [B]: 1 } }, done: true, short: [] },
    { name: 'no targets', want: { targets: {} }, done: true, short: [] },
    {
      name: 'types short, each named',
      want: { targets: { [A]: 3, [B]: 2 } },
      done: false,
      short: [`${A}: 2 of 3 joined`, `${B}: 1 of 2 joined`],
    },
    { name: 'a total met by any types', want: { total: 3, targets: { [A]: 9 } }, done: true, short: [] },
    { name: 'a total short', want: { total: 4, targets: {} }, done: false, short: ['3 of 4 workers joined'] },
  ])('$name', ({ want, done, short }) => {
    expect(shortfall(joined, want)).toEqual({ done, short });
  });
});

describe('hopelessTypes', () => {
  const blocked = {
    [A]: 'gave up after 5 failures in a row: boom; fix it and run cloudtik start again',
    [B]: 'out of capacity after 6 refusals in a row, trying again in 10s: no host',
    'worker.c': 'backing off 2s after 1 failure(s): boom',
  };
  it.each<{ name: string; want: { total?: number; targets: Record<string, number> }; types: string[] }>([
    {
      name: 'types the wait needs that were given up on or lack capacity',
      want: { targets: { [A]: 1, [B]: 1, 'worker.c': 1 } },
      types: [A, B],
    },
    { name: 'a type the wait does not need is no reason to stop', want: { targets: { [A]: 0, [B]: 1 } }, types: [B] },
    { name: 'a total needs every type', want: { total: 2, targets: {} }, types: [A, B] },
    { name: 'backing off only: wait on', want: { targets: { 'worker.c': 1 } }, types: [] },
  ])('$name', ({ want, types }) => {
    expect(hopelessTypes(blocked, want).map(([t]) => t)).toEqual(types);
  });
});

describe('minWorkerTargets', () => {
  it("is each worker type's min_workers, the head's left out", () => {
    const config = {
      head_node_type: 'head',
      available_node_types: { head: { min_workers: 0 }, [A]: { min_workers: 2 }, [B]: { min_workers: 0 } },
    } as unknown as ClusterConfig;
    expect(minWorkerTargets(config)).toEqual({ [A]: 2, [B]: 0 });
  });
});
