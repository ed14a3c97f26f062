/**
 * Which workers to terminate, and why. Workers are considered most recently used first, so the
 * ones kept for min_workers or for scale requests are the ones last busy, and idle or surplus
 * ones go first.
 */
import { formatDuration } from './format.js';
import { groupBundles, packGroups, type CapacityRun } from './resource-demand.js';
import type { Decision, PassInput, ScalerNode } from './types.js';

/** Nothing is retired as idle during the controller's first 30 s (its view of use is still empty). */
export const STARTUP_GRACE_MS = 30_000;

/**
 * A worker created but not started yet is being launched (a launch creates, then starts, a batch
 * of nodes), not dead, for this long after its creation.
 */
export const LAUNCH_GRACE_MS = 60_000;

export interface TerminateResult {
  terminate: Decision[];
  /** Stopped workers kept and started again (see ScalerNode.resumable). */
  resume: Decision[];
  /** The new `memory.lastUsedAt`. */
  lastUsedAt: Map<string, number>;
}

/** When each listed worker was last in use: `now` when in use or first seen; vanished ones are dropped. */
export function updateLastUsed(input: Pick<PassInput, 'workers' | 'now' | 'memory'>): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of input.workers) {
    const before = input.memory.lastUsedAt.get(w.id);
    out.set(w.id, w.inUse || before === undefined ? input.now : before);
  }
  return out;
}

/**
 * The terminate decisions of one pass, in this order per worker (most recently used first):
 * type no longer in the config; not running (unless still starting, just resumed, or resumable: then
 * it is kept and listed in `resume`); setup failed (and no updater running); outdated
 * launch config; kept while its type has fewer than min_workers kept; above its type's
 * max_workers; idle (not in use for idle_timeout, outside the startup grace, no updater running)
 * unless needed to hold the scale requests. Then, while more workers are kept than the global
 * max_workers, the least recently used of those not kept for min_workers go.
 */
export function workersToTerminate(input: PassInput): TerminateResult {
  const { config, now } = input;
  const lastUsedAt = updateLastUsed(input);
  // Most recently used first (ties by id, so the order does not depend on the listing's).
  const order = input.workers
    .map((w) => ({ w, at: lastUsedAt.get(w.id) ?? now }))
    .sort((a, b) => b.at - a.at || (a.w.id < b.w.id ? -1 : a.w.id > b.w.id ? 1 : 0));

  const decisions: Decision[] = [];
  const resume: Decision[] = [];
  const keptByType = new Map<string, number>();
  /** Kept workers that may still go for the global max (not kept for min_workers), MRU first. */
  const couldGo: ScalerNode[] = [];
  /** Workers that would go as idle unless the requests need them, MRU first. */
  const idle: { w: ScalerNode; at: number }[] = [];
  const keptOther = new Map<string, number>();
  const idleEnabled = now - input.memory.startedAt > STARTUP_GRACE_MS;
  let keptTotal = 0;

  for (const { w, at } of order) {
    const type = config.workerTypes[w.nodeType];
    const go = (reason: string): void => void decisions.push({ nodeId: w.id, nodeType: w.nodeType, reason });
    if (!type) {
      go(w.running ? `node type ${w.nodeType} is no longer in the config` : `not running (${w.status})`);
      continue;
    }
    if (!w.running) {
      const waiting =
        (w.starting && now - w.createdAt < LAUNCH_GRACE_MS) ||
        (w.resumedAt !== undefined && now - w.resumedAt < LAUNCH_GRACE_MS);
      if (!waiting && w.resumable && w.launchHash === type.launchHash) {
        resume.push({ nodeId: w.id, nodeType: w.nodeType, reason: `stopped (${w.status}) after its setup` });
      } else if (!waiting) {
        go(`not running (${w.status})`);
        continue;
      }
    }
    const updating = input.updating.has(w.id);
    if (w.status === 'update-failed' && !updating) {
      go('setup failed');
      continue;
    }
    if (w.launchHash !== type.launchHash) {
      go('outdated launch config');
      continue;
    }
    const kept = keptByType.get(type.name) ?? 0;
    if (kept < Math.min(type.minWorkers, type.maxWorkers)) {
      keptByType.set(type.name, kept + 1);
      keptOther.set(type.name, (keptOther.get(type.name) ?? 0) + 1);
      keptTotal++;
      continue;
    }
    if (kept >= type.maxWorkers) {
      go(`above max_workers of ${type.name} (${type.maxWorkers})`);
      continue;
    }
    keptByType.set(type.name, kept + 1);
    keptTotal++;
    couldGo.push(w);
    if (idleEnabled && !w.inUse && !updating && now - at > config.idleTimeoutMs) idle.push({ w, at });
    else keptOther.set(type.name, (keptOther.get(type.name) ?? 0) + 1);
  }

  // Idle workers the scale requests need stay: pack the requests on the head and the other kept
  // workers first, then on the idle ones, most recently used first.
  const gone = new Set<string>();
  const requests = groupBundles(input.requests);
  let needed = new Set<number>();
  if (idle.length > 0 && requests.length > 0) {
    const runs: CapacityRun[] = [];
    if (config.headResources) runs.push({ cap: config.headResources, count: 1, used: false });
    for (const [name, count] of keptOther) {
      const t = config.workerTypes[name];
      if (t && count > 0) runs.push({ cap: t.resources, count, used: false });
    }
    idle.forEach(({ w }, ref) => {
      const t = config.workerTypes[w.nodeType];
      if (t) runs.push({ cap: t.resources, count: 1, used: false, ref });
    });
    needed = new Set(
      packGroups(runs, requests)
        .runs.filter((r) => r.used && r.ref !== undefined)
        .map((r) => r.ref as number),
    );
  }
  idle.forEach(({ w, at }, i) => {
    if (needed.has(i)) return;
    gone.add(w.id);
    keptTotal--;
    decisions.push({ nodeId: w.id, nodeType: w.nodeType, reason: `idle ${formatDuration(now - at)}` });
  });

  // Above the global max: the least recently used of those that may go.
  for (let i = couldGo.length - 1; i >= 0 && keptTotal > config.maxWorkers; i--) {
    const w = couldGo[i] as ScalerNode;
    if (gone.has(w.id)) continue;
    keptTotal--;
    decisions.push({ nodeId: w.id, nodeType: w.nodeType, reason: `above global max_workers (${config.maxWorkers})` });
  }
  return { terminate: decisions, resume, lastUsedAt };
}
