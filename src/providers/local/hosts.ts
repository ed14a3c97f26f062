/**
 * The listed hosts of a `local` cluster and who holds them: pure decisions on the state the store
 * keeps (see store.ts). A host is a node of at most one cluster at a time; the host that runs
 * `cloudtik start` (or `provider.local_ip`) is the head and only the head.
 */
import { CloudtikError } from '../../core/errors.js';

export type HostState = 'running' | 'terminated';

/** One listed host, as the state file keeps it (CloudTik's shape: the id is the listed address). */
export interface HostRecord {
  name: string;
  ip: string;
  /** The cluster's tags while the host is a node; empty when it is free. */
  tags: Record<string, string>;
  state: HostState;
  instance_type: string;
  /**
   * Set on a free host that did not answer when its cluster gave it back: that cluster's services
   * may still run there. Until it answers again, such a host is given to a cluster last.
   */
  unanswered?: { cluster: string; workspace: string; since: number };
}

export interface HostsState {
  nodes: Record<string, HostRecord>;
}

export interface ListedHost {
  ip: string;
  instanceType: string;
}

export const DEFAULT_INSTANCE_TYPE = 'default';
const TAG_CLUSTER = 'cloudtik-cluster-name';
const TAG_WORKSPACE = 'cloudtik-workspace-name';
const TAG_KIND = 'cloudtik-node-kind';

/** `provider.nodes` as listed hosts, plus `localIp` when the list leaves it out. */
export function listedHosts(nodes: unknown, localIp?: string): ListedHost[] {
  const hosts: ListedHost[] = [];
  for (const node of Array.isArray(nodes) ? nodes : []) {
    const entry = node as { ip?: unknown; instance_type?: unknown };
    if (typeof entry.ip !== 'string') continue;
    const instanceType = typeof entry.instance_type === 'string' ? entry.instance_type : DEFAULT_INSTANCE_TYPE;
    hosts.push({ ip: entry.ip.trim(), instanceType });
  }
  if (localIp !== undefined && !hosts.some((h) => h.ip === localIp)) {
    hosts.push({ ip: localIp, instanceType: DEFAULT_INSTANCE_TYPE });
  }
  return hosts;
}

/**
 * The head's host: `local_ip` when given, else the first listed address this machine has.
 * A host name never matches (it could name another machine); loopback addresses are refused by
 * the config rules.
 */
export function chooseHeadHost(
  hosts: readonly ListedHost[],
  localIp: string | undefined,
  ownAddresses: readonly string[],
): string {
  if (localIp !== undefined) return localIp;
  const own = new Set(ownAddresses);
  const found = hosts.find((h) => own.has(h.ip));
  if (found) return found.ip;
  throw new CloudtikError(
    'ERR_CLOUDTIK_CONFIG',
    'none of the hosts in provider.nodes is this machine, so there is no head',
    {
      hint: `run cloudtik start on one of the listed hosts, or set provider.local_ip to this machine's address (it has: ${ownAddresses.join(', ') || 'no IPv4 address'})`,
    },
  );
}

/**
 * The state brought in line with the listed hosts: hosts no longer listed are dropped once they
 * are free (a host still in use stays until its cluster lets it go), new ones are added free, and
 * listed ones take the instance type the config gives them now.
 */
export function reconcile(state: HostsState, hosts: readonly ListedHost[]): HostsState {
  const nodes: Record<string, HostRecord> = {};
  const listed = new Map(hosts.map((h) => [h.ip, h]));
  for (const [id, record] of Object.entries(state.nodes)) {
    const host = listed.get(id);
    if (host) nodes[id] = { ...record, instance_type: host.instanceType };
    else if (record.state === 'running') nodes[id] = record;
  }
  for (const host of hosts) {
    nodes[host.ip] ??= { name: host.ip, ip: host.ip, tags: {}, state: 'terminated', instance_type: host.instanceType };
  }
  return { nodes };
}

/** Hosts that are nodes of this cluster (matching every given tag). */
export function clusterHosts(state: HostsState, tags: Record<string, string>): Array<[string, HostRecord]> {
  return Object.entries(state.nodes).filter(
    ([, r]) => r.state === 'running' && Object.entries(tags).every(([k, v]) => r.tags[k] === v),
  );
}

export interface AllocateRequest {
  kind: 'head' | 'worker';
  instanceType: string;
  count: number;
  /** Tags the hosts get: the cluster's and workspace's names among them. */
  tags: Record<string, string>;
  headHost: string;
}

function headCandidates(state: HostsState, request: AllocateRequest): string[] {
  const record = state.nodes[request.headHost];
  if (!record) throw new Error(`head host ${request.headHost} is not in the state (reconcile first)`);
  if (record.state === 'running') {
    throw new CloudtikError(
      'ERR_CLOUDTIK_CAPACITY',
      `host ${request.headHost} is already the ${record.tags[TAG_KIND] ?? 'node'} of cluster '${record.tags[TAG_CLUSTER] ?? '?'}'`,
      {
        hint: 'stop that cluster first, or start this one from another listed host',
      },
    );
  }
  return [request.headHost];
}

/**
 * The free hosts of an instance type a worker launch takes, in the order it takes them: those that
 * answered first (in listed order), then those that did not, longest silent first.
 */
export function freeWorkerHosts(state: HostsState, instanceType: string, headHost: string): string[] {
  return Object.entries(state.nodes)
    .filter(([id, r]) => id !== headHost && r.state === 'terminated' && r.instance_type === instanceType)
    .sort(([, a], [, b]) => (a.unanswered?.since ?? 0) - (b.unanswered?.since ?? 0))
    .map(([id]) => id);
}

/**
 * Picks `count` free hosts for the request, all or none (CloudTik kept a partial pick and then
 * failed, leaving hosts allocated to nobody). Workers get free hosts of the requested instance
 * type, in listed order, never the head's host.
 */
export function allocate(state: HostsState, request: AllocateRequest): { state: HostsState; ids: string[] } {
  const free =
    request.kind === 'head'
      ? headCandidates(state, request)
      : freeWorkerHosts(state, request.instanceType, request.headHost);
  if (free.length < request.count) {
    const what = `${request.count} host(s) of instance type '${request.instanceType}'`;
    throw new CloudtikError('ERR_CLOUDTIK_CAPACITY', `not enough free hosts: ${what} asked for, ${free.length} free`, {
      hint: 'list more hosts of that instance type under provider.nodes, or lower max_workers',
    });
  }
  const ids = free.slice(0, request.count);
  const nodes = { ...state.nodes };
  for (const id of ids) {
    nodes[id] = { ...unmarked(nodes[id]!), state: 'running', tags: { ...request.tags, [TAG_KIND]: request.kind } };
  }
  return { state: { nodes }, ids };
}

/**
 * The hosts given back: free again, their tags cleared; those in `unanswered` (at time `now`) are
 * marked as holding the cluster's services still. Hosts of other clusters are left alone.
 */
export function release(
  state: HostsState,
  ids: readonly string[],
  cluster: Record<string, string>,
  unanswered: { ids: ReadonlySet<string>; now: number } = { ids: new Set(), now: 0 },
): HostsState {
  const nodes = { ...state.nodes };
  const owner = { cluster: cluster[TAG_CLUSTER] ?? '', workspace: cluster[TAG_WORKSPACE] ?? '' };
  for (const id of ids) {
    const record = nodes[id];
    if (!record || record.state !== 'running') continue;
    if (record.tags[TAG_CLUSTER] !== owner.cluster || record.tags[TAG_WORKSPACE] !== owner.workspace) continue;
    nodes[id] = {
      ...record,
      state: 'terminated',
      tags: {},
      ...(unanswered.ids.has(id) ? { unanswered: { ...owner, since: unanswered.now } } : {}),
    };
  }
  return { nodes };
}

function unmarked(record: HostRecord): HostRecord {
  const copy = { ...record };
  delete copy.unanswered;
  return copy;
}

/** Free hosts the cluster gave back while they did not answer (its services may still run there). */
export function unansweredHosts(state: HostsState, cluster: Record<string, string>): string[] {
  return Object.entries(state.nodes)
    .filter(
      ([, r]) =>
        r.state === 'terminated' &&
        r.unanswered?.cluster === cluster[TAG_CLUSTER] &&
        r.unanswered?.workspace === cluster[TAG_WORKSPACE],
    )
    .map(([id]) => id);
}

/** The hosts' `unanswered` marks removed (they answered; what ran there is stopped). */
export function clearUnanswered(state: HostsState, ids: readonly string[]): HostsState {
  const nodes = { ...state.nodes };
  for (const id of ids) {
    const record = nodes[id];
    if (record?.state === 'terminated' && record.unanswered) nodes[id] = unmarked(record);
  }
  return { nodes };
}

/** Tags merged into a host of the cluster (mutable tags: node status, runtime hash ...). */
export function mergeTags(state: HostsState, id: string, tags: Record<string, string>): HostsState {
  const record = state.nodes[id];
  if (!record || record.state !== 'running') {
    throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `host ${id} is not a node of this cluster any more`);
  }
  return { nodes: { ...state.nodes, [id]: { ...record, tags: { ...record.tags, ...tags } } } };
}
