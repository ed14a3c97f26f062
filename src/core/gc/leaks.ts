/**
 * What belongs to no live cluster, decided from one look at the engine and the local state:
 * pure. Only what carries our labels or lives in our state folder is considered, and only
 * clusters this CloudTik home knows (its state folder, or a container binding a path under the
 * home): a cluster of another home on the same engine is never touched.
 */
import path from 'node:path';
import type { HeldHost, LabelledContainer } from '../../providers/provider.js';

/** A cluster's local state folder, as read. */
export interface ClusterDir {
  provider: string;
  workspace: string;
  cluster: string;
  dir: string;
  /** The nodes its state file knows: their data-disk folders and their last setup time. */
  nodes: { id: string; disks: string[]; setupAt: string | undefined }[];
}

/** A lock folder and its holder. */
export interface LockDir {
  path: string;
  pid: number | undefined;
  /** Whether the holder runs: undefined when it cannot be told (another host, no owner file). */
  alive: boolean | undefined;
}

export interface GcView {
  home: string;
  /** Containers with our labels (providers that keep nodes in containers). */
  containers: readonly LabelledContainer[];
  /** Workspaces that exist, for the providers whose containers are listed. */
  workspaces: readonly string[];
  /** Provider types whose containers are listed (only their state folders can be judged). */
  listed: readonly string[];
  clusterDirs: readonly ClusterDir[];
  locks: readonly LockDir[];
  /** The host pool this machine runs, when there is one: the hosts it holds for clusters. */
  pool?: { where: string; hosts: readonly HeldHost[]; workspaces: readonly string[] };
  /** Only this workspace (`--workspace`). */
  workspace?: string;
}

export type LeakKind = 'container' | 'state-folder' | 'data-disk' | 'lock' | 'pool-host';

export interface Leak {
  kind: LeakKind;
  /** A container's name, or a path. */
  name: string;
  /** The container id, for containers. */
  id?: string;
  /** The pool's host, for pool hosts. */
  host?: HeldHost;
  workspace?: string;
  cluster?: string;
  reason: string;
}

const NODE_KINDS = new Set(['head', 'worker']);

/** The folder of a cluster's operation lock (see clusterLockBeside). */
export function clusterLockOf(dir: string): string {
  return path.join(path.dirname(dir), `${path.basename(dir)}.cluster.lock`);
}

function under(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Data-disk folders a node owns: named after it (as the provider makes them). */
function ownDisks(id: string, disks: readonly string[]): string[] {
  return disks.filter((d) => path.isAbsolute(d) && path.basename(d) === id && !d.split('/').includes('..'));
}

export function findLeaks(view: GcView): Leak[] {
  const inScope = (ws: string | undefined): boolean => view.workspace === undefined || ws === view.workspace;
  const leaks: Leak[] = [];
  const dirs = new Map(view.clusterDirs.map((d) => [`${d.workspace}/${d.cluster}`, d]));
  const byCluster = new Map<string, LabelledContainer[]>();
  for (const c of view.containers) {
    const key = `${c.workspace}/${c.cluster}`;
    byCluster.set(key, [...(byCluster.get(key) ?? []), c]);
  }
  const lockHeld = (dir: string): boolean => view.locks.some((l) => l.path === clusterLockOf(dir) && l.alive !== false);
  for (const [key, containers] of byCluster) {
    const first = containers[0] as LabelledContainer;
    if (!inScope(first.workspace)) continue;
    leaks.push(...clusterLeaks(view, { containers, dir: dirs.get(key), lockHeld }));
  }
  for (const d of view.clusterDirs) {
    if (!inScope(d.workspace) || !view.listed.includes(d.provider)) continue;
    if (!byCluster.has(`${d.workspace}/${d.cluster}`)) leaks.push(...stateLeaks(d, 'it has no nodes', lockHeld(d.dir)));
  }
  leaks.push(...poolLeaks(view, inScope, lockHeld));
  for (const l of view.locks) {
    if (l.alive !== false) continue;
    const ws = workspaceOfPath(view, l.path);
    if (view.workspace !== undefined && ws !== view.workspace) continue;
    leaks.push({ kind: 'lock', name: l.path, reason: `held by process ${l.pid ?? '?'}, which is not running` });
  }
  return leaks;
}

/** The workspace of a path under `<home>/<provider>/<workspace>/...`, if it is one. */
function workspaceOfPath(view: GcView, p: string): string | undefined {
  const parts = path.relative(view.home, p).split(path.sep);
  return parts.length >= 3 && !parts[0]?.startsWith('..') ? parts[1] : undefined;
}

/** A cluster's state folder, its nodes' data disks, as leaks (unless a live command holds its lock). */
function stateLeaks(d: ClusterDir, why: string, held: boolean): Leak[] {
  if (held) return [];
  const of = { workspace: d.workspace, cluster: d.cluster };
  return [
    ...d.nodes.flatMap((n) =>
      ownDisks(n.id, n.disks).map((disk): Leak => ({
        kind: 'data-disk',
        name: disk,
        ...of,
        reason: `of node ${n.id}: ${why}`,
      })),
    ),
    { kind: 'state-folder', name: d.dir, ...of, reason: why },
  ];
}

function containerLeaks(containers: readonly LabelledContainer[], why: string): Leak[] {
  return containers.map((c) => ({
    kind: 'container',
    name: c.name,
    id: c.id,
    workspace: c.workspace,
    cluster: c.cluster,
    reason: why,
  }));
}

/** The leaks of one cluster that has containers. */
function clusterLeaks(
  view: GcView,
  c: { containers: LabelledContainer[]; dir: ClusterDir | undefined; lockHeld: (dir: string) => boolean },
): Leak[] {
  const { containers, dir } = c;
  const first = containers[0] as LabelledContainer;
  const ours = dir !== undefined || containers.some((x) => x.mounts.some((m) => under(m, view.home)));
  if (!ours) return [];
  if (!dir) return containerLeaks(containers, 'the cluster has no local state (its state folder is gone)');
  if (c.lockHeld(dir.dir)) return [];
  if (!view.workspaces.includes(first.workspace)) {
    return [
      ...containerLeaks(containers, `its workspace ${first.workspace} is gone`),
      ...stateLeaks(dir, 'its workspace is gone', false),
    ];
  }
  const nodes = containers.filter((x) => NODE_KINDS.has(x.kind));
  if (nodes.length === 0) {
    return [...containerLeaks(containers, 'the cluster has no nodes'), ...stateLeaks(dir, 'it has no nodes', false)];
  }
  const head = nodes.find((x) => x.kind === 'head');
  const headSetUp = head !== undefined && dir.nodes.some((n) => n.id === head.name && n.setupAt !== undefined);
  if (head && !headSetUp) {
    const why = 'its first start never finished and no cloudtik command works on it';
    return [...containerLeaks(containers, why), ...stateLeaks(dir, why, false)];
  }
  // A live cluster: only the data disks of nodes that are gone.
  const live = new Set(containers.map((x) => x.name));
  return dir.nodes
    .filter((n) => !live.has(n.id))
    .flatMap((n) =>
      ownDisks(n.id, n.disks).map((disk): Leak => ({
        kind: 'data-disk',
        name: disk,
        workspace: dir.workspace,
        cluster: dir.cluster,
        reason: `of node ${n.id}, which is gone`,
      })),
    );
}

/**
 * Hosts a pool holds for a cluster that does not exist: its workspace is gone from the pool, or
 * none of its hosts is its head (nothing runs the cluster). A cluster a command works on now (its
 * lock held here) is left alone.
 */
function poolLeaks(view: GcView, inScope: (ws: string) => boolean, lockHeld: (dir: string) => boolean): Leak[] {
  const pool = view.pool;
  if (!pool) return [];
  const groups = new Map<string, HeldHost[]>();
  for (const h of pool.hosts)
    groups.set(`${h.workspace}/${h.cluster}`, [...(groups.get(`${h.workspace}/${h.cluster}`) ?? []), h]);
  const leaks: Leak[] = [];
  for (const hosts of groups.values()) {
    const { workspace, cluster } = hosts[0] as HeldHost;
    if (!inScope(workspace) || lockHeld(path.join(view.home, 'onpremise', workspace, cluster))) continue;
    const why = !pool.workspaces.includes(workspace)
      ? `its workspace ${workspace} is gone from the pool at ${pool.where}`
      : hosts.some((h) => h.kind === 'head')
        ? undefined
        : `cluster ${cluster} has no head in the pool at ${pool.where}`;
    if (why === undefined) continue;
    for (const h of hosts) leaks.push({ kind: 'pool-host', name: h.id, host: h, workspace, cluster, reason: why });
  }
  return leaks;
}
