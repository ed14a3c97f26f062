/**
 * Whether the workers a wait asks for have joined, decided from one look at the cluster: pure.
 * The wait (src/core/cluster/wait.ts) lists the workers and reads the head's state store, then
 * asks these functions what to report and whether to stop.
 */
import type { ClusterConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import type { NodePhase } from '../events.js';
import type { NodeHeartbeat } from '../state/store.js';

/** Each worker type's min_workers: what `start` waits for unless told otherwise. */
export function minWorkerTargets(config: ClusterConfig): Record<string, number> {
  return Object.fromEntries(
    Object.entries(config.available_node_types)
      .filter(([name]) => name !== config.head_node_type)
      .map(([name, t]) => [name, t.min_workers]),
  );
}

/** Workers that joined: up-to-date, running the current launch config (and setup), with a fresh heartbeat. */
export function joinedWorkers(
  workers: readonly NodeInfo[],
  look: {
    beats: readonly NodeHeartbeat[];
    launchHashes: Readonly<Record<string, string>>;
    /** When given, a worker joins only once set up with these (a changed setup, `--rerun-setup`). */
    runtimeHashes?: Readonly<Record<string, string>>;
    fileMountsHash?: string;
    now: number;
    heartbeatTimeoutMs: number;
  },
): NodeInfo[] {
  const beatOf = new Map(look.beats.map((b) => [b.nodeId, b]));
  return workers.filter((w) => {
    const hb = beatOf.get(w.id);
    return (
      w.running &&
      w.tags[TAG.nodeStatus] === 'up-to-date' &&
      w.tags[TAG.launchConfig] === look.launchHashes[w.nodeType] &&
      (look.runtimeHashes === undefined || w.tags[TAG.runtimeConfig] === look.runtimeHashes[w.nodeType]) &&
      (look.fileMountsHash === undefined || w.tags[TAG.fileMountsContents] === look.fileMountsHash) &&
      hb !== undefined &&
      look.now - hb.time < look.heartbeatTimeoutMs
    );
  });
}

/**
 * Worker types with more workers listed than their max_workers allows, or no longer in the config:
 * the head's controller is still retiring some (one line each; none when there is nothing to retire).
 */
export function surplusWorkers(workers: readonly NodeInfo[], config: ClusterConfig): string[] {
  const counts = new Map<string, number>();
  for (const w of workers) counts.set(w.nodeType, (counts.get(w.nodeType) ?? 0) + 1);
  return [...counts].flatMap(([name, n]) => {
    const type = name === config.head_node_type ? undefined : config.available_node_types[name];
    if (!type) return [`${name}: ${n} worker(s) of a type no longer in the config`];
    return n > type.max_workers ? [`${name}: ${n} workers, max_workers ${type.max_workers}`] : [];
  });
}

/** The phase a worker's status tag shows as progress (statuses without one are not shown). */
export const PHASE_OF: Readonly<Record<string, NodePhase>> = {
  uninitialized: 'creating',
  'waiting-for-ssh': 'waiting-for-ssh',
  'syncing-files': 'syncing-files',
  'setting-up': 'setting-up',
};

/** A worker's state as the wait reports it: `joined`, else its status tag. */
export function waitState(w: NodeInfo, joined: readonly NodeInfo[]): string {
  return joined.includes(w) ? 'joined' : (w.tags[TAG.nodeStatus] ?? 'uninitialized');
}

/** What is still missing: `done` when nothing is; else one line per type short (or of the total). */
export function shortfall(
  joined: readonly NodeInfo[],
  want: { total?: number; targets: Readonly<Record<string, number>> },
): { done: boolean; short: string[] } {
  if (want.total !== undefined) {
    const done = joined.length >= want.total;
    return { done, short: done ? [] : [`${joined.length} of ${want.total} workers joined`] };
  }
  const short: string[] = [];
  for (const [type, n] of Object.entries(want.targets)) {
    const have = joined.filter((w) => w.nodeType === type).length;
    if (have < n) short.push(`${type}: ${have} of ${n} joined`);
  }
  return { done: short.length === 0, short };
}

/**
 * Types the head's controller gave up on, or keeps finding out of capacity, among those the wait
 * needs (every type when it waits for a total): waiting longer would not help.
 */
export function hopelessTypes(
  blocked: Readonly<Record<string, string>>,
  want: { total?: number; targets: Readonly<Record<string, number>> },
): [string, string][] {
  return Object.entries(blocked).filter(
    ([type, why]) =>
      (why.startsWith('gave up') || why.startsWith('out of capacity')) &&
      (want.total !== undefined || (want.targets[type] ?? 0) > 0),
  );
}
