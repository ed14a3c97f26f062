import { describe, expect, it } from 'vitest';
import type { HeldHost, LabelledContainer } from '../../providers/provider.js';
import { clusterLockOf, findLeaks, type ClusterDir, type GcView, type LockDir } from './leaks.js';

const HOME = '/home/u/.cloudtik';
const dirOf = (c: string, ws = 'w'): string => `${HOME}/virtual/${ws}/${c}`;

function container(
  cluster: string,
  kind: string,
  name = `${cluster}-${kind}`,
  mounts: string[] = [],
): LabelledContainer {
  return { id: `id-${name}`, name, workspace: 'w', cluster, kind, mounts };
}

function state(cluster: string, nodes: ClusterDir['nodes'] = [], ws = 'w'): ClusterDir {
  return { provider: 'virtual', workspace: ws, cluster, dir: dirOf(cluster, ws), nodes };
}

const setUp = (id: string, disks: string[] = []): ClusterDir['nodes'][number] => ({ id, disks, setupAt: '5' });
const host = (id: string, cluster: string, kind: string): HeldHost => ({ id, workspace: 'w', cluster, kind });
const lock = (path: string, alive: boolean | undefined): LockDir => ({ path, pid: 42, alive });

function view(over: Partial<GcView>): GcView {
  return { home: HOME, containers: [], workspaces: ['w'], listed: ['virtual'], clusterDirs: [], locks: [], ...over };
}

const line = (l: { kind: string; name: string }): string => `${l.kind} ${l.name}`;

describe('findLeaks', () => {
  it.each<{ name: string; view: GcView; want: string[] }>([
    {
      name: 'a live cluster: nothing',
      view: view({
        containers: [container('a', 'head'), container('a', 'worker'), container('a', 'gate')],
        clusterDirs: [state('a', [setUp('a-head', ['/d/a-head']), setUp('a-worker')])],
      }),
      want: [],
    },
    {
      name: 'containers whose cluster state is gone, tied to this home by a bind',
      view: view({ containers: [container('a', 'head', 'a-head', [`${dirOf('a')}`]), container('a', 'worker')] }),
      want: ['container a-head', 'container a-worker'],
    },
    {
      name: 'containers of a cluster this home does not know: left alone',
      view: view({ containers: [container('a', 'head', 'a-head', ['/other/home/virtual/w/a'])] }),
      want: [],
    },
    {
      name: "a state folder with no nodes, and its nodes' data disks (only folders named after a node)",
      view: view({ clusterDirs: [state('a', [setUp('n1', ['/d/n1', '/d/other', '/d/../n1'])])] }),
      want: ['data-disk /d/n1', `state-folder ${dirOf('a')}`],
    },
    {
      name: 'a state folder of a provider whose nodes are not listed here: left alone',
      view: view({ clusterDirs: [{ ...state('a'), provider: 'onpremise' }] }),
      want: [],
    },
    {
      name: 'a gate without nodes, with its state',
      view: view({ containers: [container('a', 'gate')], clusterDirs: [state('a')] }),
      want: ['container a-gate', `state-folder ${dirOf('a')}`],
    },
    {
      name: 'a first start that died: head never set up, no live lock holder',
      view: view({
        containers: [container('a', 'head'), container('a', 'gate')],
        clusterDirs: [state('a', [{ id: 'a-head', disks: ['/d/a-head'], setupAt: undefined }])],
        locks: [lock(`${clusterLockOf(dirOf('a'))}`, false)],
      }),
      want: [
        'container a-head',
        'container a-gate',
        'data-disk /d/a-head',
        `state-folder ${dirOf('a')}`,
        `lock ${clusterLockOf(dirOf('a'))}`,
      ],
    },
    {
      name: 'a first start under way (a live process holds the lock): left alone',
      view: view({
        containers: [container('a', 'head')],
        clusterDirs: [state('a', [{ id: 'a-head', disks: [], setupAt: undefined }])],
        locks: [lock(clusterLockOf(dirOf('a')), true)],
      }),
      want: [],
    },
    {
      name: 'a holder on another host (cannot tell): left alone',
      view: view({ clusterDirs: [state('a')], locks: [lock(clusterLockOf(dirOf('a')), undefined)] }),
      want: [],
    },
    {
      name: 'a live cluster keeps everything but the data disks of its gone nodes',
      view: view({
        containers: [container('a', 'head')],
        clusterDirs: [state('a', [setUp('a-head', ['/d/a-head']), setUp('gone', ['/d/gone'])])],
      }),
      want: ['data-disk /d/gone'],
    },
    {
      name: 'a cluster whose workspace is gone',
      view: view({
        workspaces: [],
        containers: [container('a', 'head')],
        clusterDirs: [state('a', [setUp('a-head')])],
      }),
      want: ['container a-head', `state-folder ${dirOf('a')}`],
    },
    {
      name: 'locks of dead processes anywhere under the home',
      view: view({ locks: [lock(`${HOME}/virtual/w/a/state.json.lock`, false), lock(`${HOME}/images.lock`, true)] }),
      want: [`lock ${HOME}/virtual/w/a/state.json.lock`],
    },
  ])('$name', ({ view: v, want }) => {
    expect(findLeaks(v).map(line)).toEqual(want);
  });

  it.each<{ name: string; pool: GcView['pool']; locks?: LockDir[]; want: string[] }>([
    {
      name: 'hosts of a cluster with a head: held',
      pool: { where: 'p:1', workspaces: ['w'], hosts: [host('h1', 'a', 'head'), host('h2', 'a', 'worker')] },
      want: [],
    },
    {
      name: 'hosts of a cluster without a head',
      pool: { where: 'p:1', workspaces: ['w'], hosts: [host('h2', 'a', 'worker'), host('h3', 'a', 'worker')] },
      want: ['pool-host h2', 'pool-host h3'],
    },
    {
      name: 'a head whose workspace is gone from the pool',
      pool: { where: 'p:1', workspaces: [], hosts: [host('h1', 'a', 'head')] },
      want: ['pool-host h1'],
    },
    {
      name: 'a cluster a command works on now (its lock held here): left alone',
      pool: { where: 'p:1', workspaces: ['w'], hosts: [host('h2', 'a', 'worker')] },
      locks: [lock(`${HOME}/onpremise/w/a.cluster.lock`, true)],
      want: [],
    },
  ])('pool: $name', ({ pool, locks, want }) => {
    expect(findLeaks(view({ pool, locks: locks ?? [] })).map(line)).toEqual(want);
  });

  it('--workspace keeps to one workspace', () => {
    const v = view({
      clusterDirs: [state('a', [], 'w'), state('b', [], 'x')],
      locks: [lock(`${HOME}/virtual/x/b.cluster.lock`, false)],
      workspace: 'w',
    });
    expect(findLeaks(v).map(line)).toEqual([`state-folder ${dirOf('a')}`]);
  });
});
