/**
 * The listed hosts of a `local` cluster and who holds them: pure decisions on the state the store
 * keeps (see store.ts). A host is a node of at most one cluster at a time; the host that runs
 * `cloudtik start` (or `provider.local_ip`) is the head and only the head. The host-pool service
 * (../onpremise/pool/state.ts) keeps the same records and shares the decisions that do not depend
 * on how the head is chosen: reconcile, release, the order free hosts are taken in, the marks.
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
  /** The address the host is reached at from outside its network (host-pool hosts only). */
  external_ip?: string;
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
  externalIp?: string;
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

function listedRecord(record: HostRecord | undefined, host: ListedHost): HostRecord {
  const next: HostRecord = record
    ? { ...record, instance_type: host.instanceType }
    : { name: host.ip, ip: host.ip, tags: {}, state: 'terminated', instance_type: host.instanceType };
  if (host.externalIp !== undefined) next.external_ip = host.externalIp;
  else delete next.external_ip;
  return next;
}

/**
 * The state brought in line with the listed hosts, in listed order: new ones are added free,
 * listed ones take the instance type (and external address) the list gives them now, hosts no
 * longer listed are dropped once they are free (a host still in use stays, after the listed ones,
 * until its cluster lets it go).
 */
export function reconcile<S extends HostsState>(state: S, hosts: readonly ListedHost[]): S {
  const nodes: Record<string, HostRecord> = {};
  for (const host of hosts) nodes[host.ip] = listedRecord(state.nodes[host.ip], host);
  for (const [id, record] of Object.entries(state.nodes)) {
    if (!(id in nodes) && record.state === 'running') nodes[id] = record;
  }
  return { ...state, nodes };
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
 * The free hosts of an instance type that `accept` lets through, in the order a launch takes them:
 * those that answered first (in listed order), then those that did not, longest silent first.
 */
export function freeHostsInOrder(
  state: HostsState,
  instanceType: string,
  accept: (id: string, record: HostRecord) => boolean = () => true,
): string[] {
  return Object.entries(state.nodes)
    .filter(([id, r]) => r.state === 'terminated' && r.instance_type === instanceType && accept(id, r))
    .sort(([, a], [, b]) => (a.unanswered?.since ?? 0) - (b.unanswered?.since ?? 0))
    .map(([id]) => id);
}

/** The free hosts of an instance type a worker launch takes, in order (see {@link freeHostsInOrder}), never the head's. */
export function freeWorkerHosts(state: HostsState, instanceType: string, headHost: string): string[] {
  return freeHostsInOrder(state, instanceType, (id) => id !== headHost);
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
  return { state: takeHosts(state, ids, { ...request.tags, [TAG_KIND]: request.kind }), ids };
}

/** The hosts made nodes: running, with `tags` in place of whatever they had, their marks removed. */
export function takeHosts<S extends HostsState>(state: S, ids: readonly string[], tags: Record<string, string>): S {
  const nodes = { ...state.nodes };
  for (const id of ids) nodes[id] = { ...unmarked(nodes[id]!), state: 'running', tags: { ...tags } };
  return { ...state, nodes };
}

/**
 * The hosts given back: free again, their tags cleared; those in `unanswered` (at time `now`) are
 * marked as holding the cluster's services still. Hosts of other clusters are left alone.
 */
export function release<S extends HostsState>(
  state: S,
  ids: readonly string[],
  cluster: Record<string, string>,
  unanswered: { ids: ReadonlySet<string>; now: number } = { ids: new Set(), now: 0 },
): S {
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
  return { ...state, nodes };
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
export function clearUnanswered<S extends HostsState>(state: S, ids: readonly string[]): S {
  const nodes = { ...state.nodes };
  for (const id of ids) {
    const record = nodes[id];
    if (record?.state === 'terminated' && record.unanswered) nodes[id] = unmarked(record);
  }
  return { ...state, nodes };
}

/** Tags merged into a host of the cluster (mutable tags: node status, runtime hash ...). */
export function mergeTags<S extends HostsState>(state: S, id: string, tags: Record<string, string>): S {
  const record = state.nodes[id];
  if (!record || record.state !== 'running') {
    throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `host ${id} is not a node of this cluster any more`);
  }
  return { ...state, nodes: { ...state.nodes, [id]: { ...record, tags: { ...record.tags, ...tags } } } };
}
