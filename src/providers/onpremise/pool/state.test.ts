import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloudtikError } from '../../../core/errors.js';
import type { ListedHost } from '../../local/hosts.js';
import {
  addWorkspace,
  allocateHosts,
  capacityMessage,
  clearMarks,
  emptyPoolState,
  freeCounts,
  listHosts,
  parsePoolState,
  PoolFault,
  readPoolState,
  reconcilePool,
  releaseHosts,
  removeWorkspace,
  setHostTags,
  unansweredOf,
  writePoolState,
  type LaunchRequest,
  type PoolState,
} from './state.js';

const CLUSTER = 'cloudtik-cluster-name';
const WORKSPACE = 'cloudtik-workspace-name';
const KIND = 'cloudtik-node-kind';
const tagsOf = (cluster: string, workspace = 'ws1', kind = 'worker'): Record<string, string> => ({
  [CLUSTER]: cluster,
  [WORKSPACE]: workspace,
  [KIND]: kind,
});

const HOSTS: ListedHost[] = [
  { ip: 'h1', instanceType: 'small' },
  { ip: 'h2', instanceType: 'small', externalIp: 'e2' },
  { ip: 'h3', instanceType: 'small' },
  { ip: 'h4', instanceType: 'big', externalIp: 'e4' },
  { ip: 'h5', instanceType: 'small', externalIp: 'e5' },
];

function pool(): PoolState {
  return addWorkspace(addWorkspace(reconcilePool(emptyPoolState(), HOSTS), 'ws1'), 'ws2');
}

function launch(over: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    instanceType: 'small',
    count: 1,
    tags: tagsOf('a'),
    useInternalIps: false,
    instanceTypes: ['small', 'big'],
    ...over,
  };
}

function fault(fn: () => unknown): PoolFault {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PoolFault);
    return err as PoolFault;
  }
  throw new Error('no fault');
}

describe('reconcile with the pool file', () => {
  it('adds new hosts free in file order, drops free ones that left, keeps running ones until given back', () => {
    let state = allocateHosts(pool(), launch({ count: 2 }), 1).state; // h1, h2 run for cluster a
    state = reconcilePool(state, [
      { ip: 'h9', instanceType: 'small' },
      { ip: 'h2', instanceType: 'big' },
      { ip: 'h3', instanceType: 'small' },
    ]);
    expect(Object.keys(state.nodes)).toEqual(['h9', 'h2', 'h3', 'h1']);
    expect(state.nodes.h9).toEqual({ name: 'h9', ip: 'h9', tags: {}, state: 'terminated', instance_type: 'small' });
    expect(state.nodes.h1!.state).toBe('running');
    expect(state.nodes.h2).toMatchObject({ state: 'running', instance_type: 'big' });
    expect(state.nodes.h2!.external_ip).toBeUndefined(); // the file no longer gives one
    expect(Object.keys(state.workspaces)).toEqual(['ws1', 'ws2']);
    state = releaseHosts(state, { ids: ['h1'], unanswered: new Set(), now: 2 });
    expect(Object.keys(reconcilePool(state, [{ ip: 'h3', instanceType: 'small' }]).nodes)).toEqual(['h3', 'h2']);
  });

  it('refreshes an external address the file changes', () => {
    const state = reconcilePool(pool(), [{ ip: 'h1', instanceType: 'small', externalIp: 'x1' }]);
    expect(state.nodes.h1!.external_ip).toBe('x1');
  });
});

describe('allocate', () => {
  const table: Array<{ name: string; request: Partial<LaunchRequest>; ids: string[] }> = [
    { name: 'workers take free hosts of their type in file order', request: { count: 2 }, ids: ['h1', 'h2'] },
    { name: 'another type', request: { instanceType: 'big' }, ids: ['h4'] },
    {
      name: 'a head prefers hosts with an external address',
      request: { count: 2, tags: tagsOf('a', 'ws1', 'head') },
      ids: ['h2', 'h5'],
    },
    {
      name: 'a head takes the others after those',
      request: { count: 3, tags: tagsOf('a', 'ws1', 'head') },
      ids: ['h2', 'h5', 'h1'],
    },
    {
      name: 'with use_internal_ips a head takes file order',
      request: { count: 2, tags: tagsOf('a', 'ws1', 'head'), useInternalIps: true },
      ids: ['h1', 'h2'],
    },
    { name: 'nothing for count 0', request: { count: 0 }, ids: [] },
  ];
  it.each(table)('$name', ({ request, ids }) => {
    const picked = allocateHosts(pool(), launch(request), 1);
    expect(picked.ids).toEqual(ids);
    for (const id of ids)
      expect(picked.state.nodes[id]).toMatchObject({ state: 'running', tags: launch(request).tags });
  });

  it('replaces the tags a host had and removes its unanswered mark', () => {
    let state = allocateHosts(pool(), launch({ tags: { ...tagsOf('a'), extra: '1' } }), 1).state;
    state = releaseHosts(state, { ids: ['h1'], unanswered: new Set(['h1']), now: 5 });
    expect(state.nodes.h1!.unanswered).toEqual({ cluster: 'a', workspace: 'ws1', since: 5 });
    state = allocateHosts(state, launch({ count: 4, tags: tagsOf('b', 'ws2') }), 6).state;
    expect(state.nodes.h1).toEqual({
      name: 'h1',
      ip: 'h1',
      instance_type: 'small',
      state: 'running',
      tags: tagsOf('b', 'ws2'),
    });
  });

  it('takes hosts that answered first, then unanswered ones, longest silent first', () => {
    let state = allocateHosts(pool(), launch({ count: 4 }), 1).state;
    state = releaseHosts(state, { ids: ['h1'], unanswered: new Set(['h1']), now: 20 });
    state = releaseHosts(state, { ids: ['h2'], unanswered: new Set(['h2']), now: 10 });
    state = releaseHosts(state, { ids: ['h5'], unanswered: new Set(), now: 30 });
    expect(allocateHosts(state, launch({ count: 3, tags: tagsOf('b') }), 40).ids).toEqual(['h5', 'h2', 'h1']);
  });

  it('is all or nothing, and says who holds the hosts', () => {
    const state = allocateHosts(pool(), launch({ count: 3 }), 1).state;
    const taken = allocateHosts(state, launch({ count: 1, tags: tagsOf('b', 'ws2') }), 2).state;
    const f = fault(() => allocateHosts(taken, launch({ count: 2, tags: tagsOf('c') }), 3));
    expect(f.code).toBe('no_capacity');
    expect(f.message).toBe(
      "no free host of instance type 'small': 2 asked for, 0 free (4 in the pool, 4 in use by clusters a/ws1, b/ws2)",
    );
    expect(f.refusal).toEqual({ at: 3, instance_type: 'small', count: 2, free: 0, cluster: 'c' });
    const partial = fault(() => allocateHosts(state, launch({ count: 2, tags: tagsOf('c') }), 3));
    expect(partial.message).toBe(
      "not enough free hosts of instance type 'small': 2 asked for, 1 free (4 in the pool, 3 in use by clusters a/ws1)",
    );
  });

  it('needs the workspace to exist, the cluster and workspace tags, a defined instance type', () => {
    const noWorkspace = fault(() => allocateHosts(pool(), launch({ tags: tagsOf('a', 'ws9') }), 1));
    expect([noWorkspace.code, noWorkspace.message]).toEqual([
      'not_found',
      "workspace 'ws9' does not exist in the pool: create it before its clusters (cloudtik workspace create)",
    ]);
    expect(fault(() => allocateHosts(pool(), launch({ tags: { [CLUSTER]: 'a' } }), 1)).code).toBe('bad_request');
    const type = fault(() => allocateHosts(pool(), launch({ instanceType: 'huge' }), 1));
    expect([type.code, type.message]).toEqual([
      'not_found',
      "instance type 'huge' is not in the pool (defined: small, big)",
    ]);
  });
});

describe('release, tags, marks', () => {
  it("gives back only the caller's hosts when it names its cluster; an unknown id refuses the call", () => {
    let state = allocateHosts(pool(), launch({ count: 1 }), 1).state; // h1: a
    state = allocateHosts(state, launch({ count: 1, tags: tagsOf('b', 'ws2') }), 1).state; // h2: b
    const owner = { cluster: 'a', workspace: 'ws1' };
    const next = releaseHosts(state, { ids: ['h1', 'h2', 'h3'], owner, unanswered: new Set(['h1']), now: 7 });
    expect(next.nodes.h1).toMatchObject({ state: 'terminated', tags: {}, unanswered: { cluster: 'a', since: 7 } });
    expect(next.nodes.h2).toMatchObject({ state: 'running', tags: tagsOf('b', 'ws2') });
    expect(unansweredOf(next, 'ws1', 'a')).toEqual(['h1']);
    expect(unansweredOf(clearMarks(next, ['h1']), 'ws1', 'a')).toEqual([]);
    // Without an owner (CloudTik's terminate_node), each host is given back by its own holder.
    expect(releaseHosts(state, { ids: ['h2'], unanswered: new Set(), now: 8 }).nodes.h2!.state).toBe('terminated');
    const unknown = fault(() => releaseHosts(state, { ids: ['h1', 'nope'], unanswered: new Set(), now: 8 }));
    expect([unknown.code, unknown.message]).toEqual(['not_found', 'no host nope in the pool']);
  });

  it('merges tags into a running host only', () => {
    const state = allocateHosts(pool(), launch(), 1).state;
    expect(setHostTags(state, 'h1', { 'cloudtik-node-status': 'up-to-date' }).nodes.h1!.tags).toEqual({
      ...tagsOf('a'),
      'cloudtik-node-status': 'up-to-date',
    });
    expect(fault(() => setHostTags(state, 'nope', {})).code).toBe('not_found');
    expect(fault(() => setHostTags(state, 'h2', {})).code).toBe('conflict');
  });

  it('lists running hosts of a workspace matching the filters, and counts free ones per type', () => {
    let state = allocateHosts(pool(), launch({ tags: tagsOf('a', 'ws1', 'head') }), 1).state;
    state = allocateHosts(state, launch({ count: 2 }), 1).state;
    expect(listHosts(state, 'ws1', { [CLUSTER]: 'a' }).map((h) => h.name)).toEqual(['h1', 'h2', 'h3']);
    expect(listHosts(state, 'ws1', { [KIND]: 'head' }).map((h) => h.name)).toEqual(['h2']);
    expect(listHosts(state, 'ws2', {})).toEqual([]);
    expect(freeCounts(state, ['small', 'big', 'none'])).toEqual({ small: 1, big: 1, none: 0 });
    expect(capacityMessage(state, 'none', 1, 0)).toBe(
      "no free host of instance type 'none': 1 asked for, 0 free (0 in the pool)",
    );
  });
});

describe('workspaces', () => {
  it('are created once and deleted only when no host serves one of their clusters', () => {
    expect(fault(() => addWorkspace(pool(), 'ws1')).code).toBe('conflict');
    let state = allocateHosts(pool(), launch({ count: 2 }), 1).state;
    state = allocateHosts(state, launch({ tags: tagsOf('b') }), 1).state;
    const busy = fault(() => removeWorkspace(state, 'ws1'));
    expect([busy.code, busy.message]).toEqual([
      'conflict',
      "workspace 'ws1' still has clusters (a, b) on 3 host(s): stop them first",
    ]);
    expect(Object.keys(removeWorkspace(state, 'ws2').workspaces)).toEqual(['ws1']);
    expect(fault(() => removeWorkspace(state, 'ws9')).code).toBe('not_found');
    state = releaseHosts(state, { ids: ['h1', 'h2', 'h3'], unanswered: new Set(), now: 2 });
    expect(Object.keys(removeWorkspace(state, 'ws1').workspaces)).toEqual(['ws2']);
  });
});

describe('the state file', () => {
  it('is written whole with mode 0600 and read back', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-pool-state-'));
    try {
      const file = path.join(dir, 'state');
      expect(await readPoolState(file)).toEqual(emptyPoolState());
      const state = allocateHosts(pool(), launch(), 1).state;
      await writePoolState(file, state);
      expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);
      expect(await readPoolState(file)).toEqual(state);
      expect(await fsp.readdir(dir)).toEqual(['state']);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['{"nodes": {"h1": {"ip": "h1"', 'is damaged: '],
    ['[]', 'is damaged: no "nodes" object'],
    ['{"nodes": {}, "workspaces": []}', 'is damaged: "workspaces" is not an object'],
    ['{"nodes": {"h1": {"ip": "h1", "state": "gone", "tags": {}, "instance_type": "t"}}}', 'host "h1" is not a'],
  ])('refuses a damaged file, never reads it as an empty pool: %s', (text, message) => {
    expect(() => parsePoolState(text, '/x/state')).toThrow(CloudtikError);
    expect(() => parsePoolState(text, '/x/state')).toThrow(message);
  });
});
