/**
 * Resource arithmetic of the scaler: first-fit bin packing of resource bundles onto nodes, the
 * utilization score that picks which node type to add, the greedy choice of nodes for demands,
 * and the upscaling cap.
 *
 * Identical bundles are packed as one group and identical nodes as one run, so packing thousands
 * of `{CPU: 1}` onto thousands of same-type nodes costs a handful of steps, with exactly the result
 * of packing them one by one.
 */
import type { ResourceBundle, ScalerNodeType } from './types.js';

/** Amounts within this of each other are equal (fractional CPUs add up with rounding errors). */
const EPS = 1e-9;

// ---------------------------------------------------------------------------------------------
// Bundle groups and capacity runs (the representation the scaler packs with)
// ---------------------------------------------------------------------------------------------

/** `count` identical bundles; `entries` are the bundle's positive amounts sorted by name. */
export interface BundleGroup {
  bundle: ResourceBundle;
  entries: readonly (readonly [string, number])[];
  count: number;
}

/** `count` nodes that have exactly `cap` free; `ref` names a single node when `count` is 1. */
export interface CapacityRun {
  cap: ResourceBundle;
  count: number;
  /** Some bundle was packed onto these nodes. */
  used: boolean;
  ref?: number;
}

/** The positive amounts of a bundle, sorted by resource name (zero, negative and NaN amounts name nothing). */
function entriesOf(bundle: ResourceBundle): [string, number][] {
  const out: [string, number][] = [];
  for (const k of Object.keys(bundle)) {
    const v = bundle[k];
    if (v !== undefined && Number.isFinite(v) && v > 0) out.push([k, v]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** CloudTik's demand order, descending: number of resources, then total amount, then the sorted items. */
function compareGroupsDesc(a: BundleGroup, b: BundleGroup): number {
  if (a.entries.length !== b.entries.length) return b.entries.length - a.entries.length;
  const sa = sumOf(a.entries);
  const sb = sumOf(b.entries);
  if (sa !== sb) return sb - sa;
  for (let i = 0; i < a.entries.length; i++) {
    const [ka, va] = a.entries[i] as readonly [string, number];
    const [kb, vb] = b.entries[i] as readonly [string, number];
    if (ka !== kb) return ka < kb ? 1 : -1;
    if (va !== vb) return vb - va;
  }
  return 0;
}

function sumOf(entries: readonly (readonly [string, number])[]): number {
  let s = 0;
  for (const [, v] of entries) s += v;
  return s;
}

/**
 * Identical bundles counted once, in packing order (largest first). Bundles that name no positive
 * amount need nothing and are left out.
 */
export function groupBundles(bundles: readonly ResourceBundle[], times = 1): BundleGroup[] {
  const byKey = new Map<string, BundleGroup>();
  // Bundles built the same way list their names in the same order: a bundle equal to the one
  // before, or with a cheap key in that order already seen, joins its group without sorting.
  const byRawKey = new Map<string, BundleGroup | null>();
  let prev: ResourceBundle | undefined;
  let prevSize = 0;
  let prevGroup: BundleGroup | null = null;
  for (const b of bundles) {
    if (prev !== undefined && sameBundle(prev, prevSize, b)) {
      if (prevGroup) prevGroup.count += times;
      continue;
    }
    let raw = '';
    let size = 0;
    for (const k in b) {
      raw += `${k}\u0000${b[k]}\u0001`;
      size++;
    }
    let group = byRawKey.get(raw);
    if (group === undefined) {
      const entries = entriesOf(b);
      if (entries.length === 0) group = null;
      else {
        const key = entries.map(([k, v]) => `${k}\u0000${v}`).join('\u0001');
        group = byKey.get(key) ?? { bundle: Object.fromEntries(entries), entries, count: 0 };
        byKey.set(key, group);
      }
      byRawKey.set(raw, group);
    }
    if (group) group.count += times;
    prev = b;
    prevSize = size;
    prevGroup = group;
  }
  return [...byKey.values()].sort(compareGroupsDesc);
}

/** `b` has exactly the names and amounts of `a` (which has `aSize` names). */
function sameBundle(a: ResourceBundle, aSize: number, b: ResourceBundle): boolean {
  let n = 0;
  for (const k in b) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  return n === aSize;
}

/** Merge two group lists (same bundles add up), in packing order. */
export function mergeGroups(a: readonly BundleGroup[], b: readonly BundleGroup[]): BundleGroup[] {
  const byKey = new Map<string, BundleGroup>();
  for (const g of [...a, ...b]) {
    if (g.count <= 0) continue;
    const key = g.entries.map(([k, v]) => `${k}\u0000${v}`).join('\u0001');
    const have = byKey.get(key);
    if (have) have.count += g.count;
    else byKey.set(key, { ...g });
  }
  return [...byKey.values()].sort(compareGroupsDesc);
}

/** The bundles of groups, one per copy. */
export function expandGroups(groups: readonly BundleGroup[]): ResourceBundle[] {
  const out: ResourceBundle[] = [];
  for (const g of groups) for (let i = 0; i < g.count; i++) out.push({ ...g.bundle });
  return out;
}

/** How many copies of a group's bundle fit in `cap` (every resource it names, in that amount). */
function fitCount(cap: ResourceBundle, entries: readonly (readonly [string, number])[]): number {
  let fit = Infinity;
  for (const [k, v] of entries) {
    const have = cap[k];
    if (have === undefined || have + EPS < v) return 0;
    const n = Math.floor((have + EPS) / v);
    if (n < fit) fit = n;
  }
  return fit;
}

function subtract(cap: ResourceBundle, entries: readonly (readonly [string, number])[], times: number): ResourceBundle {
  const out = { ...cap };
  for (const [k, v] of entries) {
    const left = (out[k] ?? 0) - v * times;
    out[k] = Math.abs(left) < EPS ? 0 : left;
  }
  return out;
}

/**
 * First-fit packing of groups (in their order) onto runs (in their order). Returns new runs (the
 * input is not changed) and what did not fit. Equivalent to placing every bundle copy, largest
 * first, on the first node with room.
 */
export function packGroups(
  runs: readonly CapacityRun[],
  groups: readonly BundleGroup[],
): { runs: CapacityRun[]; remaining: BundleGroup[] } {
  let current: CapacityRun[] = [...runs];
  const remaining: BundleGroup[] = [];
  for (const group of groups) {
    let left = group.count;
    if (left <= 0) continue;
    const next: CapacityRun[] = [];
    for (const run of current) {
      const fit = left > 0 && run.count > 0 ? fitCount(run.cap, group.entries) : 0;
      if (fit === 0) {
        next.push(run);
        continue;
      }
      if (left >= fit * run.count) {
        next.push({ ...run, cap: subtract(run.cap, group.entries, fit), used: true });
        left -= fit * run.count;
        continue;
      }
      // The group ends inside this run: `full` nodes take `fit` copies, one node takes the rest.
      const full = Math.floor(left / fit);
      const rest = left - full * fit;
      if (full > 0) next.push({ ...run, cap: subtract(run.cap, group.entries, fit), count: full, used: true });
      if (rest > 0) next.push({ ...run, cap: subtract(run.cap, group.entries, rest), count: 1, used: true });
      const untouched = run.count - full - (rest > 0 ? 1 : 0);
      if (untouched > 0) next.push({ ...run, count: untouched });
      left = 0;
    }
    current = next;
    if (left > 0) remaining.push({ ...group, count: left });
  }
  return { runs: current, remaining };
}

// ---------------------------------------------------------------------------------------------
// Public packing API
// ---------------------------------------------------------------------------------------------

/**
 * First-fit bin packing: demands sorted by (number of resources, total amount, items) descending,
 * each placed on the first capacity that has every resource it names in that amount (which is
 * then reduced by it). Returns the capacities left (same order as given) and the demands that fit
 * nowhere (in packing order). Inputs are not changed.
 */
export function binPackResidual(
  capacities: readonly ResourceBundle[],
  demands: readonly ResourceBundle[],
): { residual: ResourceBundle[]; remaining: ResourceBundle[] } {
  const runs = capacities.map((cap, ref): CapacityRun => ({ cap, count: 1, used: false, ref }));
  const packed = packGroups(runs, groupBundles(demands));
  return {
    residual: packed.runs.map((r) => ({ ...r.cap })),
    remaining: expandGroups(packed.remaining),
  };
}

// ---------------------------------------------------------------------------------------------
// Utilization score
// ---------------------------------------------------------------------------------------------

/**
 * How well one new node would be used by the demands, compared as a tuple (bigger is better):
 * 1. GPU conservation: 0 when the node has GPUs and no demand asks for one, else 1;
 * 2. the number of resource types the demands use that the node has;
 * 3. the minimum over the node's resources of `cap·util³` (util = share taken by the demands that fit);
 * 4. the mean of the same.
 * Memory amounts count in GiB here (bytes would drown every other resource), and resources the
 * node has less than 1 unit of are left out, as in CloudTik.
 */
export type UtilizationScore = readonly [gpuOk: number, matching: number, minWeighted: number, meanWeighted: number];

/** The score, or undefined when no demand fits the node at all. */
export function utilizationScore(
  nodeResources: ResourceBundle,
  demandsThatFit: readonly ResourceBundle[],
): UtilizationScore | undefined {
  return scoreGroups(nodeResources, groupBundles(demandsThatFit)).score;
}

/** Lexicographic comparison of scores; undefined is worse than any score. */
export function compareScores(a: UtilizationScore | undefined, b: UtilizationScore | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

const scoreUnit = (key: string): number => (/memory/i.test(key) ? 2 ** 30 : 1);

/** The score of one empty node of `cap`, and how many copies of each group it would take. */
function scoreGroups(
  cap: ResourceBundle,
  groups: readonly BundleGroup[],
): { score: UtilizationScore | undefined; take: number[] } {
  const used = new Set<string>();
  for (const g of groups) if (g.count > 0) for (const [k] of g.entries) used.add(k);
  let remaining = cap;
  const take = groups.map((g) => {
    if (g.count <= 0) return 0;
    const n = Math.min(g.count, fitCount(remaining, g.entries));
    if (n > 0) remaining = subtract(remaining, g.entries, n);
    return n;
  });
  if (!take.some((n) => n > 0)) return { score: undefined, take };
  let matching = 0;
  let min = Infinity;
  let sum = 0;
  let n = 0;
  for (const k of Object.keys(cap)) {
    const unit = scoreUnit(k);
    const total = (cap[k] ?? 0) / unit;
    if (!(total >= 1)) continue;
    const util = (total - (remaining[k] ?? 0) / unit) / total;
    const weighted = total * util ** 3;
    if (weighted < min) min = weighted;
    sum += weighted;
    n++;
    if (used.has(k)) matching++;
  }
  if (n === 0) return { score: undefined, take };
  const gpuOk = (cap.GPU ?? 0) > 0 && !used.has('GPU') ? 0 : 1;
  return { score: [gpuOk, matching, min, sum / n], take };
}

// ---------------------------------------------------------------------------------------------
// Choosing nodes for demands
// ---------------------------------------------------------------------------------------------

export interface NodeLimits {
  /** Global cap on workers (existing ones included). */
  maxWorkers: number;
  /** Types that must not be chosen now (they still count for feasibility). */
  unavailable?: ReadonlySet<string>;
}

export interface NodesForDemands {
  /** Nodes to add, by type (types with none are absent). */
  add: Record<string, number>;
  /** Demands no node type can ever fit (or only types with max_workers 0). */
  infeasible: ResourceBundle[];
  /** Demands some type fits but that could not be placed now (caps reached, types unavailable). */
  unmet: ResourceBundle[];
}

/**
 * Greedily add the node type with the best utilization score for what is left until every demand
 * is placed or the per-type max_workers / global max are reached. `existingCounts` are the workers
 * (running and pending) already there, by type.
 */
export function nodesForDemands(
  types: readonly ScalerNodeType[],
  existingCounts: Readonly<Record<string, number>>,
  demands: readonly ResourceBundle[],
  limits: NodeLimits,
): NodesForDemands {
  const r = nodesForGroups(types, existingCounts, groupBundles(demands), limits);
  return { add: r.add, infeasible: expandGroups(r.infeasible), unmet: expandGroups(r.unmet) };
}

/** `nodesForDemands` on groups (the planner's form). */
export function nodesForGroups(
  types: readonly ScalerNodeType[],
  existingCounts: Readonly<Record<string, number>>,
  groups: readonly BundleGroup[],
  limits: NodeLimits,
): { add: Record<string, number>; infeasible: BundleGroup[]; unmet: BundleGroup[] } {
  const launchable = types.filter((t) => t.maxWorkers > 0);
  const infeasible: BundleGroup[] = [];
  const pending: BundleGroup[] = [];
  for (const g of groups) {
    if (g.count <= 0) continue;
    if (launchable.some((t) => fitCount(t.resources, g.entries) > 0)) pending.push({ ...g });
    else infeasible.push({ ...g });
  }
  const add: Record<string, number> = {};
  let existingTotal = 0;
  for (const v of Object.values(existingCounts)) existingTotal += v;
  let globalLeft = limits.maxWorkers - existingTotal;
  const candidates = launchable.filter((t) => !limits.unavailable?.has(t.name));
  while (globalLeft > 0 && pending.some((g) => g.count > 0)) {
    let best: { type: ScalerNodeType; score: UtilizationScore; take: number[]; left: number } | undefined;
    // The most copies of each group any candidate type would take: while every group keeps at
    // least that many, adding the best type again leaves every score unchanged.
    const maxTake = pending.map(() => 0);
    for (const type of candidates) {
      const left = type.maxWorkers - (existingCounts[type.name] ?? 0) - (add[type.name] ?? 0);
      if (left <= 0) continue;
      const { score, take } = scoreGroups(type.resources, pending);
      if (score === undefined) continue;
      take.forEach((n, i) => (maxTake[i] = Math.max(maxTake[i] ?? 0, n)));
      if (!best || compareScores(score, best.score) > 0) best = { type, score, take, left };
    }
    if (!best) break;
    let repeat = Math.min(best.left, globalLeft);
    best.take.forEach((n, i) => {
      if (n > 0) repeat = Math.min(repeat, 1 + Math.floor(((pending[i]?.count ?? 0) - (maxTake[i] ?? 0)) / n));
    });
    repeat = Math.max(1, repeat);
    add[best.type.name] = (add[best.type.name] ?? 0) + repeat;
    globalLeft -= repeat;
    best.take.forEach((n, i) => {
      const g = pending[i];
      if (g) g.count = Math.max(0, g.count - n * repeat);
    });
  }
  return { add, infeasible, unmet: pending.filter((g) => g.count > 0) };
}

/**
 * How many nodes of one type may be launched in one pass: `max(5, floor(speed·max(running, 1)))`
 * less what is already pending, never below 0. The planner never caps below what min_workers
 * still needs.
 */
export function upscalingCap(upscalingSpeed: number, runningCount: number, pendingCount: number): number {
  const speed = Number.isFinite(upscalingSpeed) && upscalingSpeed > 0 ? upscalingSpeed : 0;
  return Math.max(0, Math.max(5, Math.floor(speed * Math.max(runningCount, 1))) - pendingCount);
}
