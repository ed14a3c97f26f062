/**
 * Which workers to terminate, and why. Workers are considered most recently used first, so the
 * ones kept for min_workers or for scale requests are the ones last busy, and idle or surplus
 * ones go first.
 */
import { formatDuration } from './format.js';
import { groupBundles, packGroups, type CapacityRun } from './resource-demand.js';
import type { Decision, PassInput, ScalerNode, ScalerNodeType } from './types.js';

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
 * type no longer in the config; not running (unless still starting, being launched or set up, just
 * resumed, or resumable: then it is kept and listed in `resume`); setup failed (and no updater running); outdated
 * launch config; kept while its type has fewer than min_workers kept; above its type's
 * max_workers; idle (not in use for idle_timeout, outside the startup grace, no updater running)
 * unless needed to hold the scale requests. Then, while more workers are kept than the global
 * max_workers, the least recently used of those not kept for min_workers go.
 */
export function workersToTerminate(input: PassInput): TerminateResult {
  const { config, now } = input;
  const lastUsedAt = updateLastUsed(input);
  const tally = tallyWorkers(mostRecentlyUsedFirst(input.workers, lastUsedAt, now), input);
  const needed = idleNeededByRequests(tally, input);
  const idleGone = tally.idle.filter((_, i) => !needed.has(i));
  const decisions: Decision[] = [
    ...tally.decisions,
    ...idleGone.map(({ w, at }) => ({
      nodeId: w.id,
      nodeType: w.nodeType,
      reason: `idle ${formatDuration(now - at)}`,
    })),
  ];
  const gone = new Set(idleGone.map(({ w }) => w.id));
  decisions.push(...aboveGlobalMax(tally.couldGo, gone, tally.keptTotal - idleGone.length, config.maxWorkers));
  return { terminate: decisions, resume: tally.resume, lastUsedAt };
}

/**
 * Most recently used first; ties (workers a new controller saw first in the same pass) newer
 * first, then by id, so the order depends neither on the listing's nor on when this controller
 * started, and a plan made from the listing alone picks the same workers.
 */
function mostRecentlyUsedFirst(
  workers: readonly ScalerNode[],
  lastUsedAt: ReadonlyMap<string, number>,
  now: number,
): { w: ScalerNode; at: number }[] {
  return workers
    .map((w) => ({ w, at: lastUsedAt.get(w.id) ?? now }))
    .sort((a, b) => b.at - a.at || b.w.createdAt - a.w.createdAt || (a.w.id < b.w.id ? -1 : a.w.id > b.w.id ? 1 : 0));
}

/** The workers sorted out one by one, before the scale requests and the global max are considered. */
interface Tally {
  decisions: Decision[];
  resume: Decision[];
  /** Kept workers that may still go for the global max (not kept for min_workers), MRU first. */
  couldGo: ScalerNode[];
  /** Workers that would go as idle unless the requests need them, MRU first. */
  idle: { w: ScalerNode; at: number }[];
  /** Kept workers that are not idle, by type. */
  keptOther: Map<string, number>;
  keptTotal: number;
}

/**
 * Why a worker goes whatever the counts (undefined: it may stay), and whether it is a stopped
 * worker to start again.
 */
export function earlyVerdict(
  w: ScalerNode,
  type: ScalerNodeType | undefined,
  input: Pick<PassInput, 'now' | 'updating'>,
): { go?: string; resume?: string } {
  if (!type)
    return { go: w.running ? `node type ${w.nodeType} is no longer in the config` : `not running (${w.status})` };
  let resume: string | undefined;
  if (!w.running) {
    // A launch that waits for its nodes to run, or an updater, has them in `updating`.
    const waiting =
      input.updating.has(w.id) ||
      (w.starting && input.now - w.createdAt < LAUNCH_GRACE_MS) ||
      (w.resumedAt !== undefined && input.now - w.resumedAt < LAUNCH_GRACE_MS);
    if (!waiting && w.resumable && w.launchHash === type.launchHash) resume = `stopped (${w.status}) after its setup`;
    else if (!waiting) return { go: `not running (${w.status})` };
  }
  if (w.status === 'update-failed' && !input.updating.has(w.id)) return { go: 'setup failed', resume };
  if (w.launchHash !== type.launchHash) return { go: 'outdated launch config', resume };
  return { resume };
}

/** `idle_timeout_minutes` in ms (ScalerConfig.idleTimeoutMs); 0 means workers are never retired for idleness. */
export function idleTimeoutMs(minutes: number): number {
  return minutes > 0 ? minutes * 60_000 : Number.POSITIVE_INFINITY;
}

/**
 * The idle rule (`idle_timeout_minutes`, see idleTimeoutMs): a worker last used at
 * `at` is idle when it is not in use, no updater runs for it, it was last used longer ago than
 * the idle timeout, and the controller is past its startup grace. An idle worker above
 * min_workers goes unless the scale requests need it.
 */
export function isIdle(
  w: ScalerNode,
  at: number,
  input: Pick<PassInput, 'config' | 'now' | 'updating' | 'memory'>,
): boolean {
  const idleEnabled = input.now - input.memory.startedAt > STARTUP_GRACE_MS;
  return idleEnabled && !w.inUse && !input.updating.has(w.id) && input.now - at > input.config.idleTimeoutMs;
}

/** Go through the workers, most recently used first: what goes now, what is kept, what is idle. */
function tallyWorkers(order: readonly { w: ScalerNode; at: number }[], input: PassInput): Tally {
  const { config } = input;
  const t: Tally = { decisions: [], resume: [], couldGo: [], idle: [], keptOther: new Map(), keptTotal: 0 };
  const keptByType = new Map<string, number>();
  const keepOther = (name: string): void => void t.keptOther.set(name, (t.keptOther.get(name) ?? 0) + 1);
  for (const { w, at } of order) {
    const type = config.workerTypes[w.nodeType];
    const go = (reason: string): void => void t.decisions.push({ nodeId: w.id, nodeType: w.nodeType, reason });
    const early = earlyVerdict(w, type, input);
    if (early.resume !== undefined) t.resume.push({ nodeId: w.id, nodeType: w.nodeType, reason: early.resume });
    if (early.go !== undefined || !type) {
      if (early.go !== undefined) go(early.go);
      continue;
    }
    const kept = keptByType.get(type.name) ?? 0;
    if (kept < Math.min(type.minWorkers, type.maxWorkers)) {
      keptByType.set(type.name, kept + 1);
      keepOther(type.name);
      t.keptTotal++;
      continue;
    }
    if (kept >= type.maxWorkers) {
      go(`above max_workers of ${type.name} (${type.maxWorkers})`);
      continue;
    }
    keptByType.set(type.name, kept + 1);
    t.keptTotal++;
    t.couldGo.push(w);
    if (isIdle(w, at, input)) t.idle.push({ w, at });
    else keepOther(type.name);
  }
  return t;
}

/**
 * Idle workers the scale requests need stay: pack the requests on the head and the other kept
 * workers first, then on the idle ones, most recently used first. Returns indexes into `idle`.
 */
function idleNeededByRequests(tally: Pick<Tally, 'idle' | 'keptOther'>, input: PassInput): Set<number> {
  const { config } = input;
  const requests = groupBundles(input.requests);
  if (tally.idle.length === 0 || requests.length === 0) return new Set();
  const runs: CapacityRun[] = [];
  if (config.headResources) runs.push({ cap: config.headResources, count: 1, used: false });
  for (const [name, count] of tally.keptOther) {
    const t = config.workerTypes[name];
    if (t && count > 0) runs.push({ cap: t.resources, count, used: false });
  }
  tally.idle.forEach(({ w }, ref) => {
    const t = config.workerTypes[w.nodeType];
    if (t) runs.push({ cap: t.resources, count: 1, used: false, ref });
  });
  return new Set(
    packGroups(runs, requests)
      .runs.filter((r) => r.used && r.ref !== undefined)
      .map((r) => r.ref as number),
  );
}

/** Above the global max: the least recently used of those that may go (and are not going already). */
function aboveGlobalMax(
  couldGo: readonly ScalerNode[],
  gone: ReadonlySet<string>,
  keptTotal: number,
  maxWorkers: number,
): Decision[] {
  const out: Decision[] = [];
  for (let i = couldGo.length - 1; i >= 0 && keptTotal > maxWorkers; i--) {
    const w = couldGo[i] as ScalerNode;
    if (gone.has(w.id)) continue;
    keptTotal--;
    out.push({ nodeId: w.id, nodeType: w.nodeType, reason: `above global max_workers (${maxWorkers})` });
  }
  return out;
}
