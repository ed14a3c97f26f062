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
import type {
  Decision,
  LaunchDecision,
  PassInput,
  PassResult,
  ResourceBundle,
  ScalerNode,
  ScalerNodeType,
} from './types.js';

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
  const { config } = input;
  const { terminate, resume, lastUsedAt } = workersToTerminate(input);
  const gone = new Set(terminate.map((d) => d.nodeId));
  const types = Object.values(config.workerTypes).sort((a, b) => b.launchPriority - a.launchPriority);
  const blocked = new Set(Object.keys(input.blockedTypes).filter((t) => config.workerTypes[t]));
  const messages: string[] = [];
  const fleet = fleetOf(input, types, gone);
  const recover = input.workers.filter((w) => !gone.has(w.id)).flatMap((w) => recoverDecision(w, input) ?? []);

  const forMin = minWorkersLaunches(types, fleet, input, messages);
  const existing: Record<string, number> = {};
  for (const t of types) existing[t.name] = fleet.count(t.name) + (forMin.add[t.name] ?? 0);
  const step = { types, blocked, maxWorkers: config.maxWorkers, messages };
  const forRequests = requestLaunches(step, existing, input);
  const forDemands = demandLaunches(step, fleet, addCounts(existing, forRequests.add), input);
  const launch = launchesByPriority(
    types,
    { min: forMin.add, requests: forRequests.add, demands: forDemands.add },
    { fleet, upscalingSpeed: config.upscalingSpeed, messages },
  );
  const infeasible = [...forMin.infeasible, ...forRequests.infeasible, ...forDemands.infeasible];
  return { terminate, resume, launch, recover, infeasible, messages, lastUsedAt };
}

/** The workers that stay this pass, counted by type, with the launches still pending. */
interface Fleet {
  kept: Record<string, number>;
  pending: Record<string, number>;
  /** What kept workers whose agents report it have free. */
  keptWithAvailable: ResourceBundle[];
  /** Kept workers whose agents report nothing (their type's full resources count), by type. */
  keptFull: Record<string, number>;
  /** Kept and pending workers of a type. */
  count(type: string): number;
}

function fleetOf(input: PassInput, types: readonly ScalerNodeType[], gone: ReadonlySet<string | undefined>): Fleet {
  const kept: Record<string, number> = {};
  const pending: Record<string, number> = {};
  for (const t of types) {
    kept[t.name] = 0;
    const p = input.pending[t.name] ?? 0;
    pending[t.name] = Number.isFinite(p) && p > 0 ? Math.floor(p) : 0;
  }
  const keptWithAvailable: ResourceBundle[] = [];
  const keptFull: Record<string, number> = {};
  for (const w of input.workers) {
    if (gone.has(w.id)) continue;
    kept[w.nodeType] = (kept[w.nodeType] ?? 0) + 1;
    if (w.available) keptWithAvailable.push(w.available);
    else keptFull[w.nodeType] = (keptFull[w.nodeType] ?? 0) + 1;
  }
  return { kept, pending, keptWithAvailable, keptFull, count: (t) => (kept[t] ?? 0) + (pending[t] ?? 0) };
}

/**
 * A kept, up-to-date worker with no updater running whose last heartbeat (or launch, when none
 * came since; or the controller's start, the worker's resume or the end of its setup, when
 * later) is older than the heartbeat timeout: its start commands run again.
 */
export function recoverDecision(
  w: ScalerNode,
  input: Pick<PassInput, 'config' | 'now' | 'updating' | 'memory'>,
): Decision | undefined {
  if (w.status !== 'up-to-date' || input.updating.has(w.id)) return undefined;
  const launchedOnly = w.heartbeatAt === undefined || w.heartbeatAt < w.createdAt;
  // Heartbeats get their full timeout after the controller's own start and after a resume too.
  const since = Math.max(
    launchedOnly ? w.createdAt : (w.heartbeatAt as number),
    input.memory.startedAt,
    w.resumedAt ?? 0,
    w.updatedAt ?? 0,
  );
  if (input.now - since <= input.config.heartbeatTimeoutMs) return undefined;
  const age = formatDuration(input.now - since);
  return {
    nodeId: w.id,
    nodeType: w.nodeType,
    reason: launchedOnly ? `no heartbeat since launch ${age}` : `no heartbeat ${age}`,
  };
}

/** 1. min_workers, higher launch priority first when the global max leaves room for only some. */
function minWorkersLaunches(
  types: readonly ScalerNodeType[],
  fleet: Fleet,
  input: PassInput,
  messages: string[],
): Placement {
  const { maxWorkers } = input.config;
  const add: Record<string, number> = {};
  const infeasible: ResourceBundle[] = [];
  let total = types.reduce((sum, t) => sum + fleet.count(t.name), 0);
  for (const t of types) {
    const want = Math.max(0, Math.min(t.minWorkers, t.maxWorkers) - fleet.count(t.name));
    if (want === 0) continue;
    const have = `${t.name}: ${fleet.count(t.name)} of ${t.minWorkers} min_workers`;
    const reason = input.blockedTypes[t.name];
    if (reason !== undefined) {
      messages.push(`${have}, not launching: ${reason}`);
      continue;
    }
    const n = Math.min(want, Math.max(0, maxWorkers - total));
    if (n < want) {
      messages.push(`${have}, the global max_workers (${maxWorkers}) leaves room for ${n} more`);
      for (let i = n; i < want; i++) infeasible.push({ [t.name]: 1 });
    }
    if (n > 0) add[t.name] = n;
    total += n;
  }
  return { add, infeasible };
}

/** What the launch steps for requests and demands share. */
interface LaunchStep {
  types: readonly ScalerNodeType[];
  blocked: ReadonlySet<string>;
  maxWorkers: number;
  messages: string[];
}

/** Full resources of `counts` nodes of each type, as capacity runs to pack on. */
function fullRuns(types: readonly ScalerNodeType[], counts: Record<string, number>): CapacityRun[] {
  return types
    .filter((t) => (counts[t.name] ?? 0) > 0)
    .map((t) => ({ cap: t.resources, count: counts[t.name] as number, used: false }));
}

/** 2. Scale requests: a floor on the cluster's total resources (the head's included). */
function requestLaunches(step: LaunchStep, existing: Record<string, number>, input: PassInput): Placement {
  const runs = fullRuns(step.types, existing);
  if (input.config.headResources) runs.unshift({ cap: input.config.headResources, count: 1, used: false });
  const left = packGroups(runs, groupBundles(input.requests)).remaining;
  return place(step, existing, left, REASON_REQUEST);
}

/** 3. Demands: packed on what is free now, then on the nodes pending or about to launch. */
function demandLaunches(
  step: LaunchStep,
  fleet: Fleet,
  afterRequests: Record<string, number>,
  input: PassInput,
): Placement {
  if (input.demands.length === 0) return { add: {}, infeasible: [] };
  const fresh: Record<string, number> = {};
  for (const t of step.types) {
    fresh[t.name] = (fleet.keptFull[t.name] ?? 0) + (afterRequests[t.name] ?? 0) - (fleet.kept[t.name] ?? 0);
  }
  const runs: CapacityRun[] = [
    ...fleet.keptWithAvailable.map((cap): CapacityRun => ({ cap, count: 1, used: false })),
    ...fullRuns(step.types, fresh),
  ];
  const left = packGroups(runs, groupBundles(input.demands)).remaining;
  return place(step, afterRequests, left, REASON_DEMAND);
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [t, n] of Object.entries(b)) out[t] = (out[t] ?? 0) + n;
  return out;
}

/**
 * 4. The upscaling cap (never below what min_workers needs; it cuts demands first, then
 * requests), then launch priority: only the types of the highest priority that want nodes launch.
 */
function launchesByPriority(
  types: readonly ScalerNodeType[],
  add: { min: Record<string, number>; requests: Record<string, number>; demands: Record<string, number> },
  ctx: { fleet: Fleet; upscalingSpeed: number; messages: string[] },
): LaunchDecision[] {
  const { fleet, messages } = ctx;
  const wanted: { type: ScalerNodeType; parts: [string, number][] }[] = [];
  for (const t of types) {
    const parts: [string, number][] = [
      [REASON_MIN(t.name), add.min[t.name] ?? 0],
      [REASON_REQUEST, add.requests[t.name] ?? 0],
      [REASON_DEMAND, add.demands[t.name] ?? 0],
    ];
    const want = parts.reduce((s, [, n]) => s + n, 0);
    if (want === 0) continue;
    const pending = fleet.pending[t.name] ?? 0;
    const allowed = Math.max(upscalingCap(ctx.upscalingSpeed, fleet.kept[t.name] ?? 0, pending), add.min[t.name] ?? 0);
    if (want > allowed) {
      cutFromTheEnd(parts, want - allowed);
      messages.push(
        `${t.name}: launching ${allowed} of ${want} now (upscaling_speed ${ctx.upscalingSpeed}, ${fleet.pending[t.name]} pending)`,
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
  return launch;
}

/** Take `cut` away from the counts, last part first. */
function cutFromTheEnd(parts: [string, number][], cut: number): void {
  for (let i = parts.length - 1; i >= 0 && cut > 0; i--) {
    const part = parts[i] as [string, number];
    const less = Math.min(part[1], cut);
    part[1] -= less;
    cut -= less;
  }
}

interface Placement {
  add: Record<string, number>;
  infeasible: ResourceBundle[];
}

/** Nodes for what did not fit, with messages for what cannot fit at all or not now. */
function place(step: LaunchStep, existing: Record<string, number>, left: BundleGroup[], label: string): Placement {
  if (left.length === 0) return { add: {}, infeasible: [] };
  const r = nodesForGroups(step.types, existing, left, { maxWorkers: step.maxWorkers, unavailable: step.blocked });
  if (r.infeasible.length > 0) {
    step.messages.push(`${label}: no worker type can hold ${describe(r.infeasible)}`);
  }
  if (r.unmet.length > 0) {
    step.messages.push(
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
