/**
 * The host-pool service's state: which host serves which cluster with which tags, and the
 * workspaces (CloudTik's JSON shape, in `poolFiles.state()`). The decisions are pure functions of
 * the state, shared with the `local` provider where the rule is the same (../../local/hosts.ts);
 * the service applies them one at a time and writes the result before it answers.
 */
import fsp from 'node:fs/promises';
import { CloudtikError } from '../../../core/errors.js';
import {
  clearUnanswered,
  freeHostsInOrder,
  mergeTags,
  reconcile,
  release,
  takeHosts,
  unansweredHosts,
  type ListedHost,
} from '../../local/hosts.js';
import { TAG } from '../../provider.js';
import type { PoolErrorCode, PoolHost } from '../protocol.js';
import { writeJsonAtomic } from '../../../core/state/files.js';
import { isHostRecord } from '../../local/store.js';

export interface PoolState {
  nodes: Record<string, PoolHost>;
  workspaces: Record<string, { name: string }>;
}

/** A launch refused for want of free hosts, as `status` reports it. */
export interface Refusal {
  at: number;
  instance_type: string;
  count: number;
  free: number;
  cluster: string;
}

/** A call the pool refuses: its code (and so its HTTP status) and why. */
export class PoolFault extends Error {
  constructor(
    readonly code: PoolErrorCode,
    message: string,
    readonly refusal?: Refusal,
  ) {
    super(message);
    this.name = 'PoolFault';
  }
}

export function emptyPoolState(): PoolState {
  return { nodes: {}, workspaces: {} };
}

// ---------------------------------------------------------------------------------------------
// The file

function damaged(file: string, why: string): CloudtikError {
  return new CloudtikError('ERR_CLOUDTIK_CLUSTER', `the host pool's state file ${file} is damaged: ${why}`, {
    hint: 'it says which hosts each cluster holds; repair it by hand, or move it aside if no cluster uses the pool (every host becomes free)',
  });
}

function isHost(value: unknown): value is PoolHost {
  return isHostRecord(value) && typeof value.instance_type === 'string';
}

/** The state in `text`; anything but the state's shape is an error (never an empty pool: that frees every host). */
export function parsePoolState(text: string, file: string): PoolState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw damaged(file, (err as Error).message);
  }
  const { nodes, workspaces = {} } = (parsed ?? {}) as { nodes?: unknown; workspaces?: unknown };
  if (typeof nodes !== 'object' || nodes === null || Array.isArray(nodes)) throw damaged(file, 'no "nodes" object');
  if (typeof workspaces !== 'object' || workspaces === null || Array.isArray(workspaces)) {
    throw damaged(file, '"workspaces" is not an object');
  }
  for (const [id, host] of Object.entries(nodes)) {
    if (!isHost(host)) throw damaged(file, `host "${id}" is not a {ip, instance_type, state, tags} record`);
    host.name ??= id;
  }
  const names = Object.keys(workspaces);
  return {
    nodes: nodes as Record<string, PoolHost>,
    workspaces: Object.fromEntries(names.map((n) => [n, { name: n }])),
  };
}

/** The state in `file`; an empty pool when there is no file yet. */
export async function readPoolState(file: string): Promise<PoolState> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyPoolState();
    throw err;
  }
  return parsePoolState(text, file);
}

/** Writes the state atomically (see writeJsonAtomic). */
export function writePoolState(file: string, state: PoolState): Promise<void> {
  return writeJsonAtomic(file, state);
}

// ---------------------------------------------------------------------------------------------
// Decisions

/** `cluster/workspace` of a host's tags (or of a mark). */
export function ownerOf(tags: Record<string, string>): string {
  return `${tags[TAG.cluster] ?? '?'}/${tags[TAG.workspace] ?? '?'}`;
}

/**
 * The state brought in line with the pool file: hosts that left it are dropped once free (a host
 * in use stays until its cluster gives it back), new ones are added free, listed ones take the
 * file's instance type and external address (cleared when the file no longer gives one).
 */
export function reconcilePool(state: PoolState, hosts: readonly ListedHost[]): PoolState {
  return reconcile(state, hosts);
}

export interface LaunchRequest {
  instanceType: string;
  count: number;
  /** The hosts' tags from now on (they replace what the hosts had). */
  tags: Record<string, string>;
  /** The pool file's `use_internal_ips`: when false, a head goes to a host with an external address first. */
  useInternalIps: boolean;
  /** The instance types the pool file defines. */
  instanceTypes: readonly string[];
}

/** Free hosts a launch may take, in the order it takes them (see {@link LaunchRequest.useInternalIps}). */
export function launchCandidates(state: PoolState, request: LaunchRequest): string[] {
  const free = freeHostsInOrder(state, request.instanceType);
  if (request.useInternalIps || request.tags[TAG.nodeKind] !== 'head') return free;
  const external = free.filter((id) => state.nodes[id]!.external_ip !== undefined);
  return [...external, ...free.filter((id) => state.nodes[id]!.external_ip === undefined)];
}

/** Why a launch of `count` hosts of `type` finds only `free`: the pool's hosts of that type and who holds them. */
export function capacityMessage(state: PoolState, type: string, count: number, free: number): string {
  const ofType = Object.values(state.nodes).filter((h) => h.instance_type === type);
  const held = ofType.filter((h) => h.state === 'running');
  const clusters = [...new Set(held.map((h) => ownerOf(h.tags)))];
  const head =
    free === 0 ? `no free host of instance type '${type}'` : `not enough free hosts of instance type '${type}'`;
  const use = held.length > 0 ? `, ${held.length} in use by clusters ${clusters.join(', ')}` : '';
  return `${head}: ${count} asked for, ${free} free (${ofType.length} in the pool${use})`;
}

function checkLaunch(state: PoolState, request: LaunchRequest): void {
  const workspace = request.tags[TAG.workspace];
  const cluster = request.tags[TAG.cluster];
  if (!workspace || !cluster) {
    throw new PoolFault(
      'bad_request',
      `the tags of a launch name its cluster and workspace (${TAG.cluster}, ${TAG.workspace})`,
    );
  }
  if (!request.instanceTypes.includes(request.instanceType)) {
    const defined = request.instanceTypes.join(', ') || 'none';
    throw new PoolFault(
      'not_found',
      `instance type '${request.instanceType}' is not in the pool (defined: ${defined})`,
    );
  }
  if (!Object.hasOwn(state.workspaces, workspace)) {
    throw new PoolFault(
      'not_found',
      `workspace '${workspace}' does not exist in the pool: create it before its clusters (cloudtik workspace create)`,
    );
  }
}

/**
 * Takes `count` free hosts for a launch, all or none; the hosts' tags become the request's. A
 * launch the pool cannot serve in full is refused with `no_capacity` and takes nothing.
 */
export function allocateHosts(
  state: PoolState,
  request: LaunchRequest,
  now: number,
): { state: PoolState; ids: string[] } {
  checkLaunch(state, request);
  const candidates = launchCandidates(state, request);
  if (candidates.length < request.count) {
    const refusal: Refusal = {
      at: now,
      instance_type: request.instanceType,
      count: request.count,
      free: candidates.length,
      cluster: request.tags[TAG.cluster]!,
    };
    const message = capacityMessage(state, request.instanceType, request.count, candidates.length);
    throw new PoolFault('no_capacity', message, refusal);
  }
  const ids = candidates.slice(0, request.count);
  return { state: takeHosts(state, ids, request.tags), ids };
}

export interface ReleaseRequest {
  ids: readonly string[];
  /** Only hosts of this cluster are given back; without it each host is its own holder's to give back. */
  owner?: { cluster: string; workspace: string };
  /** Hosts among `ids` that did not answer: marked, handed out last. */
  unanswered: ReadonlySet<string>;
  now: number;
}

/**
 * The hosts given back, free again with their tags cleared. An unknown id refuses the whole call;
 * a host already free, or serving another cluster than `owner`, is left alone (given back before,
 * it may serve another cluster by now).
 */
export function releaseHosts(state: PoolState, request: ReleaseRequest): PoolState {
  const unknown = request.ids.filter((id) => !Object.hasOwn(state.nodes, id));
  if (unknown.length > 0) throw new PoolFault('not_found', `no host ${unknown.join(', ')} in the pool`);
  const silent = { ids: request.unanswered, now: request.now };
  let next = state;
  for (const id of request.ids) {
    const host = next.nodes[id]!;
    const owner = request.owner
      ? { [TAG.cluster]: request.owner.cluster, [TAG.workspace]: request.owner.workspace }
      : host.tags;
    next = release(next, [id], owner, silent);
  }
  return next;
}

/** Tags merged into a running host's. */
export function setHostTags(state: PoolState, id: string, tags: Record<string, string>): PoolState {
  const host = state.nodes[id];
  if (!host) throw new PoolFault('not_found', `no host ${id} in the pool`);
  if (host.state !== 'running') throw new PoolFault('conflict', `host ${id} is free: it is no cluster's node`);
  return mergeTags(state, id, tags);
}

/** Running hosts of `workspace` carrying every tag of `filters`. */
export function listHosts(state: PoolState, workspace: string, filters: Record<string, string>): PoolHost[] {
  const wanted = { ...filters, [TAG.workspace]: workspace };
  return Object.values(state.nodes).filter(
    (h) => h.state === 'running' && Object.entries(wanted).every(([k, v]) => h.tags[k] === v),
  );
}

/** Free hosts the cluster gave back while they did not answer. */
export function unansweredOf(state: PoolState, workspace: string, cluster: string): string[] {
  return unansweredHosts(state, { [TAG.cluster]: cluster, [TAG.workspace]: workspace });
}

/** The hosts' marks removed: they answered, the cluster's services there are stopped. */
export function clearMarks(state: PoolState, ids: readonly string[]): PoolState {
  return clearUnanswered(state, ids);
}

export function addWorkspace(state: PoolState, name: string): PoolState {
  if (Object.hasOwn(state.workspaces, name)) throw new PoolFault('conflict', `workspace '${name}' exists already`);
  return { ...state, workspaces: { ...state.workspaces, [name]: { name } } };
}

/** The workspace removed; refused while any host serves one of its clusters. */
export function removeWorkspace(state: PoolState, name: string): PoolState {
  if (!Object.hasOwn(state.workspaces, name)) throw new PoolFault('not_found', `workspace '${name}' does not exist`);
  const held = Object.values(state.nodes).filter((h) => h.state === 'running' && h.tags[TAG.workspace] === name);
  if (held.length > 0) {
    const clusters = [...new Set(held.map((h) => h.tags[TAG.cluster] ?? '?'))].sort();
    throw new PoolFault(
      'conflict',
      `workspace '${name}' still has clusters (${clusters.join(', ')}) on ${held.length} host(s): stop them first`,
    );
  }
  const workspaces = { ...state.workspaces };
  delete workspaces[name];
  return { ...state, workspaces };
}

/** Free hosts per instance type (every defined type, 0 where none is free). */
export function freeCounts(state: PoolState, types: readonly string[]): Record<string, number> {
  const free: Record<string, number> = Object.fromEntries(types.map((t) => [t, 0]));
  for (const h of Object.values(state.nodes)) {
    if (h.state === 'terminated' && Object.hasOwn(free, h.instance_type)) free[h.instance_type]! += 1;
  }
  return free;
}
