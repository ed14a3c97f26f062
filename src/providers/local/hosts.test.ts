import { describe, expect, it } from 'vitest';
import { CloudtikError } from '../../core/errors.js';
import {
  allocate,
  chooseHeadHost,
  clearUnanswered,
  clusterHosts,
  listedHosts,
  mergeTags,
  reconcile,
  release,
  unansweredHosts,
  type HostsState,
} from './hosts.js';

const C1 = { 'cloudtik-cluster-name': 'c1', 'cloudtik-workspace-name': 'default' };
const C2 = { 'cloudtik-cluster-name': 'c2', 'cloudtik-workspace-name': 'default' };
const LISTED = listedHosts([
  { ip: '10.0.0.1' },
  { ip: '10.0.0.2', instance_type: 'small' },
  { ip: '10.0.0.3', instance_type: 'small' },
  { ip: '10.0.0.4' },
]);
const fresh = (): HostsState => reconcile({ nodes: {} }, LISTED);

function capacityError(fn: () => unknown): CloudtikError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CloudtikError);
    return err as CloudtikError;
  }
  throw new Error('no error');
}

describe('listed hosts', () => {
  it('reads provider.nodes, `default` where no instance type is given, and adds local_ip', () => {
    expect(listedHosts([{ ip: ' h1 ' }, { ip: 'h2', instance_type: 'big' }, { nope: 1 }], '10.9.9.9')).toEqual([
      { ip: 'h1', instanceType: 'default' },
      { ip: 'h2', instanceType: 'big' },
      { ip: '10.9.9.9', instanceType: 'default' },
    ]);
  });

  it('picks the head: local_ip, else the first listed address this machine has, else a clear error', () => {
    expect(chooseHeadHost(LISTED, '10.0.0.4', ['10.0.0.1'])).toBe('10.0.0.4');
    expect(chooseHeadHost(LISTED, undefined, ['172.17.0.1', '10.0.0.3', '10.0.0.2'])).toBe('10.0.0.2');
    const err = capacityError(() => chooseHeadHost(LISTED, undefined, ['192.168.1.5']));
    expect(err.message).toBe('none of the hosts in provider.nodes is this machine, so there is no head');
    expect(err.hint).toContain('192.168.1.5');
  });
});

describe('reconcile', () => {
  it('adds listed hosts free, drops free hosts no longer listed, keeps hosts in use', () => {
    const { state } = allocate(fresh(), {
      kind: 'worker',
      instanceType: 'small',
      count: 1,
      tags: C1,
      headHost: '10.0.0.1',
    });
    const next = reconcile(state, listedHosts([{ ip: '10.0.0.1', instance_type: 'big' }, { ip: '10.0.0.9' }]));
    expect(Object.keys(next.nodes).sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.9']);
    expect(next.nodes['10.0.0.1']!.instance_type).toBe('big');
    expect(next.nodes['10.0.0.2']!.state).toBe('running');
    expect(next.nodes['10.0.0.9']).toMatchObject({ state: 'terminated', tags: {}, instance_type: 'default' });
  });
});

describe('allocate and release', () => {
  it('gives the head its own host and workers free hosts of their instance type, never the head host', () => {
    let state = fresh();
    const head = allocate(state, { kind: 'head', instanceType: 'default', count: 1, tags: C1, headHost: '10.0.0.1' });
    state = head.state;
    expect(head.ids).toEqual(['10.0.0.1']);
    const workers = allocate(state, {
      kind: 'worker',
      instanceType: 'default',
      count: 1,
      tags: C1,
      headHost: '10.0.0.1',
    });
    expect(workers.ids).toEqual(['10.0.0.4']);
    expect(workers.state.nodes['10.0.0.4']!.tags).toEqual({ ...C1, 'cloudtik-node-kind': 'worker' });
    expect(clusterHosts(workers.state, C1).map(([id]) => id)).toEqual(['10.0.0.1', '10.0.0.4']);
  });

  it('takes all hosts asked for or none', () => {
    const state = fresh();
    const err = capacityError(() =>
      allocate(state, { kind: 'worker', instanceType: 'small', count: 3, tags: C1, headHost: '10.0.0.1' }),
    );
    expect(err.code).toBe('ERR_CLOUDTIK_CAPACITY');
    expect(err.message).toBe("not enough free hosts: 3 host(s) of instance type 'small' asked for, 2 free");
    expect(Object.values(state.nodes).every((r) => r.state === 'terminated')).toBe(true);
  });

  it('refuses a head host another cluster holds', () => {
    const { state } = allocate(fresh(), {
      kind: 'head',
      instanceType: 'default',
      count: 1,
      tags: C2,
      headHost: '10.0.0.1',
    });
    const err = capacityError(() =>
      allocate(state, { kind: 'head', instanceType: 'default', count: 1, tags: C1, headHost: '10.0.0.1' }),
    );
    expect(err.message).toBe("host 10.0.0.1 is already the head of cluster 'c2'");
  });

  it('releases only its own cluster hosts and clears their tags', () => {
    let state = allocate(fresh(), {
      kind: 'worker',
      instanceType: 'small',
      count: 1,
      tags: C1,
      headHost: '10.0.0.1',
    }).state;
    state = allocate(state, { kind: 'worker', instanceType: 'small', count: 1, tags: C2, headHost: '10.0.0.1' }).state;
    state = mergeTags(state, '10.0.0.2', { 'cloudtik-node-status': 'up-to-date' });
    expect(state.nodes['10.0.0.2']!.tags['cloudtik-node-status']).toBe('up-to-date');
    state = release(state, ['10.0.0.2', '10.0.0.3'], C1);
    expect(state.nodes['10.0.0.2']).toMatchObject({ state: 'terminated', tags: {} });
    expect(state.nodes['10.0.0.3']!.state).toBe('running');
    expect(() => mergeTags(state, '10.0.0.2', {})).toThrow('host 10.0.0.2 is not a node of this cluster any more');
  });
  it('marks hosts given back without answering, hands them out last, and clears the mark', () => {
    const W = { kind: 'worker' as const, instanceType: 'small', tags: C1, headHost: '10.0.0.1' };
    let state = allocate(fresh(), { ...W, count: 2 }).state;
    state = release(state, ['10.0.0.2', '10.0.0.3'], C1, { ids: new Set(['10.0.0.2']), now: 1000 });
    expect(state.nodes['10.0.0.2']).toMatchObject({
      state: 'terminated',
      tags: {},
      unanswered: { cluster: 'c1', workspace: 'default', since: 1000 },
    });
    expect(state.nodes['10.0.0.3']!.unanswered).toBeUndefined();
    expect(unansweredHosts(state, C1)).toEqual(['10.0.0.2']);
    expect(unansweredHosts(state, C2)).toEqual([]);
    // The host that answered goes first although it is listed later; the silent one is still used when needed.
    expect(allocate(state, { ...W, count: 1 }).ids).toEqual(['10.0.0.3']);
    const both = allocate(state, { ...W, count: 2 });
    expect(both.ids).toEqual(['10.0.0.3', '10.0.0.2']);
    expect(both.state.nodes['10.0.0.2']!.unanswered).toBeUndefined();
    const cleared = clearUnanswered(state, ['10.0.0.2']);
    expect(cleared.nodes['10.0.0.2']).toEqual({ ...state.nodes['10.0.0.3'], name: '10.0.0.2', ip: '10.0.0.2' });
    expect(unansweredHosts(cleared, C1)).toEqual([]);
  });
});
