/**
 * One controller pass, decided: which workers go, which are re-started, how many of each type to
 * launch and why. Pure: the caller lists the nodes, passes the time and stores `lastUsedAt`.
 */
import { formatBundle, formatDuration } from './format.js';
import {
  expandGroups,
  groupBundles,
  nodesForGroups,
  packGroups,
  upscalingCap,
  type BundleGroup,
  type CapacityRun,
} from './resource-demand.js';
import { workersToTerminate } from './terminate.js';
import type { Decision, LaunchDecision, PassInput, PassResult, ResourceBundle, ScalerNodeType } from './types.js';

const REASON_MIN = (type: string): string => `min_workers of ${type}`;
export const REASON_REQUEST = 'scale request';
export const REASON_DEMAND = 'resource demand';

/**
 * Plan one pass:
 * - terminate: see `workersToTerminate`;
 * - recover: kept, up-to-date workers with no updater running whose last heartbeat (or launch,
 *   when none came since; or the controller's start, the worker's resume or the end of its setup,
 *   when later) is older
 *   than the heartbeat timeout;
 * - resume: stopped workers that finished their setup, started again rather than replaced;
 * - launch, counting kept and pending workers: first what min_workers needs, then nodes for the
 *   scale requests (packed on the head and every kept, pending or new node's full resources),
 *   then nodes for the demands (packed on what is free). Per-type max_workers, the global
 *   max_workers and the upscaling cap hold; blocked types launch nothing (others may be chosen
 *   for requests and demands instead); only the types of the highest launch_priority that need
 *   nodes launch in one pass.
 */
export function planPass(input: PassInput): PassResult {
  const { config, now } = input;
  const { terminate, resume, lastUsedAt } = workersToTerminate(input);
  const gone = new Set(terminate.map((d) => d.nodeId));
  const types = Object.values(config.workerTypes).sort((a, b) => b.launchPriority - a.launchPriority);
  const blocked = new Set(Object.keys(input.blockedTypes).filter((t) => config.workerTypes[t]));
  const messages: string[] = [];
  const infeasible: ResourceBundle[] = [];

  // What stays, and the recoveries among it.
  const kept: Record<string, number> = {};
  const pending: Record<string, number> = {};
  for (const t of types) {
    kept[t.name] = 0;
    const p = input.pending[t.name] ?? 0;
    pending[t.name] = Number.isFinite(p) && p > 0 ? Math.floor(p) : 0;
  }
  const recover: Decision[] = [];
  const keptWithAvailable: ResourceBundle[] = [];
  const keptFull: Record<string, number> = {};
  for (const w of input.workers) {
    if (gone.has(w.id)) continue;
    kept[w.nodeType] = (kept[w.nodeType] ?? 0) + 1;
    if (w.available) keptWithAvailable.push(w.available);
    else keptFull[w.nodeType] = (keptFull[w.nodeType] ?? 0) + 1;
    if (w.status !== 'up-to-date' || input.updating.has(w.id)) continue;
    const launchedOnly = w.heartbeatAt === undefined || w.heartbeatAt < w.createdAt;
    // Heartbeats get their full timeout after the controller's own start and after a resume too.
    const since = Math.max(
      launchedOnly ? w.createdAt : (w.heartbeatAt as number),
      input.memory.startedAt,
      w.resumedAt ?? 0,
      w.updatedAt ?? 0,
    );
    if (now - since > config.heartbeatTimeoutMs) {
      const age = formatDuration(now - since);
      recover.push({
        nodeId: w.id,
        nodeType: w.nodeType,
        reason: launchedOnly ? `no heartbeat since launch ${age}` : `no heartbeat ${age}`,
      });
    }
  }
  const count = (t: string): number => (kept[t] ?? 0) + (pending[t] ?? 0);
  let total = 0;
  for (const t of types) total += count(t.name);

  // 1. min_workers, higher launch priority first when the global max leaves room for only some.
  const minAdd: Record<string, number> = {};
  for (const t of types) {
    const min = Math.min(t.minWorkers, t.maxWorkers);
    const want = Math.max(0, min - count(t.name));
    if (want === 0) continue;
    const have = `${t.name}: ${count(t.name)} of ${t.minWorkers} min_workers`;
    const reason = input.blockedTypes[t.name];
    if (reason !== undefined) {
      messages.push(`${have}, not launching: ${reason}`);
      continue;
    }
    const n = Math.min(want, Math.max(0, config.maxWorkers - total));
    if (n < want) {
      messages.push(`${have}, the global max_workers (${config.maxWorkers}) leaves room for ${n} more`);
      for (let i = n; i < want; i++) infeasible.push({ [t.name]: 1 });
    }
    if (n > 0) minAdd[t.name] = n;
    total += n;
  }
  const existing: Record<string, number> = {};
  for (const t of types) existing[t.name] = count(t.name) + (minAdd[t.name] ?? 0);

  // 2. Scale requests: a floor on the cluster's total resources.
  const fullRuns = (counts: Record<string, number>): CapacityRun[] =>
    types
      .filter((t) => (counts[t.name] ?? 0) > 0)
      .map((t) => ({ cap: t.resources, count: counts[t.name] as number, used: false }));
  const requestRuns = fullRuns(existing);
  if (config.headResources) requestRuns.unshift({ cap: config.headResources, count: 1, used: false });
  const requestLeft = packGroups(requestRuns, groupBundles(input.requests)).remaining;
  const forRequests = place(types, existing, requestLeft, config.maxWorkers, blocked, REASON_REQUEST, messages);
  infeasible.push(...forRequests.infeasible);

  // 3. Demands: packed on what is free now, then on the nodes pending or about to launch.
  const afterRequests: Record<string, number> = {};
  for (const t of types) afterRequests[t.name] = existing[t.name] as number;
  for (const [t, n] of Object.entries(forRequests.add)) afterRequests[t] = (afterRequests[t] ?? 0) + n;
  let forDemands: Placement = { add: {}, infeasible: [] };
  if (input.demands.length > 0) {
    const fresh: Record<string, number> = {};
    for (const t of types) {
      fresh[t.name] = (keptFull[t.name] ?? 0) + (afterRequests[t.name] ?? 0) - (kept[t.name] ?? 0);
    }
    const demandRuns: CapacityRun[] = [
      ...keptWithAvailable.map((cap): CapacityRun => ({ cap, count: 1, used: false })),
      ...fullRuns(fresh),
    ];
    const demandLeft = packGroups(demandRuns, groupBundles(input.demands)).remaining;
    forDemands = place(types, afterRequests, demandLeft, config.maxWorkers, blocked, REASON_DEMAND, messages);
    infeasible.push(...forDemands.infeasible);
  }

  // 4. The upscaling cap (never below what min_workers needs), then launch priority.
  const wanted: { type: ScalerNodeType; parts: [string, number][] }[] = [];
  for (const t of types) {
    const parts: [string, number][] = [
      [REASON_MIN(t.name), minAdd[t.name] ?? 0],
      [REASON_REQUEST, forRequests.add[t.name] ?? 0],
      [REASON_DEMAND, forDemands.add[t.name] ?? 0],
    ];
    const want = parts.reduce((s, [, n]) => s + n, 0);
    if (want === 0) continue;
    const allowed = Math.max(
      upscalingCap(config.upscalingSpeed, kept[t.name] ?? 0, pending[t.name] ?? 0),
      minAdd[t.name] ?? 0,
    );
    if (want > allowed) {
      let cut = want - allowed;
      for (let i = parts.length - 1; i >= 0 && cut > 0; i--) {
        const part = parts[i] as [string, number];
        const less = Math.min(part[1], cut);
        part[1] -= less;
        cut -= less;
      }
      messages.push(
        `${t.name}: launching ${allowed} of ${want} now (upscaling_speed ${config.upscalingSpeed}, ${pending[t.name]} pending)`,
      );
    }
    wanted.push({ type: t, parts });
  }
  const top = Math.max(...wanted.map((w) => w.type.launchPriority));
  const launch: LaunchDecision[] = [];
  for (const { type, parts } of wanted) {
    if (type.launchPriority < top) {
      messages.push(`${type.name} waits for higher-priority types`);
      continue;
    }
    for (const [reason, n] of parts) if (n > 0) launch.push({ nodeType: type.name, count: n, reason });
  }
  return { terminate, resume, launch, recover, infeasible, messages, lastUsedAt };
}

interface Placement {
  add: Record<string, number>;
  infeasible: ResourceBundle[];
}

/** Nodes for what did not fit, with messages for what cannot fit at all or not now. */
function place(
  types: readonly ScalerNodeType[],
  existing: Record<string, number>,
  left: BundleGroup[],
  maxWorkers: number,
  blocked: ReadonlySet<string>,
  label: string,
  messages: string[],
): Placement {
  if (left.length === 0) return { add: {}, infeasible: [] };
  const r = nodesForGroups(types, existing, left, { maxWorkers, unavailable: blocked });
  if (r.infeasible.length > 0) {
    messages.push(`${label}: no worker type can hold ${describe(r.infeasible)}`);
  }
  if (r.unmet.length > 0) {
    messages.push(
      `${label}: ${describe(r.unmet)} cannot be placed now ` +
        '(max_workers reached or the node types that fit are not launching)',
    );
  }
  return { add: r.add, infeasible: expandGroups(r.infeasible) };
}

function describe(groups: readonly BundleGroup[]): string {
  return groups
    .map((g) => (g.count === 1 ? formatBundle(g.bundle) : `${formatBundle(g.bundle)} × ${g.count}`))
    .join(', ');
}
