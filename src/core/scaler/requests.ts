/**
 * `cloudtik scale` requests: what the user asks for, as resource bundles, and how requests are kept
 * on the head. Requests are a floor: the controller keeps enough nodes that every requested bundle
 * fits on the cluster's nodes (their full resources, busy or not).
 *
 * Rules
 * - `--workers N` asks for N bundles `{<worker type>: 1}` (N nodes of that type).
 * - `--cpus N` is `--resources CPU:N`.
 * - `--resources R:A,...`: the head's own amount of each resource counts first (one bundle of what
 *   the head has, up to A); the rest of each resource is split into bundles of the GCD of what the
 *   worker types offer of it (types of 4 and 6 CPUs: bundles of 2 CPUs, so any type can take them),
 *   rounding up. A resource no worker type offers stays one bundle (reported infeasible by the
 *   controller unless the head has it).
 * - An amount of 0 clears: the request names the resource, replaces older requests naming it and
 *   stores nothing for it.
 * - A new request replaces every older request that names one of its resources (all of them with
 *   `override`).
 */
import { groupBundles, packGroups, type CapacityRun } from './resource-demand.js';
import type { PersistedRequest, ResourceBundle, ScalerConfig } from './types.js';

export interface ScaleArgs {
  workers?: number;
  cpus?: number;
  resources?: ResourceBundle;
  workerType?: string;
}

/** The bundles a `cloudtik scale` asks for; throws a plain Error on a request that cannot be meant. */
export function scaleToBundles(args: ScaleArgs, config: ScalerConfig, headResources: ResourceBundle): ResourceBundle[] {
  if (args.workers === undefined && args.cpus === undefined && args.resources === undefined) {
    throw new Error('say how far to scale: workers, cpus or resources');
  }
  const bundles: ResourceBundle[] = [];
  if (args.workers !== undefined) bundles.push(...workerBundles(args.workers, args.workerType, config));
  else if (args.workerType !== undefined) workerTypeOf(args.workerType, config);
  const resources: ResourceBundle = { ...args.resources };
  if (args.cpus !== undefined) {
    if (args.resources?.CPU !== undefined && args.resources.CPU !== args.cpus) {
      throw new Error(`cpus ${args.cpus} and resources CPU:${args.resources.CPU} disagree: give one of them`);
    }
    resources.CPU = args.cpus;
  }
  bundles.push(...resourceBundles(resources, config, headResources));
  return bundles;
}

function workerTypeOf(workerType: string | undefined, config: ScalerConfig): string {
  const names = Object.keys(config.workerTypes);
  if (workerType !== undefined) {
    if (!config.workerTypes[workerType]) {
      throw new Error(
        `unknown worker type ${workerType}: the cluster has ${names.length > 0 ? names.join(', ') : 'no worker types'}`,
      );
    }
    return workerType;
  }
  if (names.length === 1) return names[0] as string;
  if (names.length === 0) throw new Error('the cluster has no worker types to scale');
  throw new Error(`the cluster has several worker types (${names.join(', ')}): say which one with a worker type`);
}

function workerBundles(workers: number, workerType: string | undefined, config: ScalerConfig): ResourceBundle[] {
  if (!Number.isInteger(workers) || workers < 0) {
    throw new Error(`workers must be a whole number of at least 0, not ${workers}`);
  }
  const type = workerTypeOf(workerType, config);
  if (workers === 0) return [{ [type]: 0 }];
  return Array.from({ length: workers }, () => ({ [type]: 1 }));
}

function resourceBundles(resources: ResourceBundle, config: ScalerConfig, head: ResourceBundle): ResourceBundle[] {
  const headPart: ResourceBundle = {};
  const cleared: ResourceBundle = {};
  const split: ResourceBundle[] = [];
  for (const name of Object.keys(resources).sort()) {
    const amount = resources[name] as number;
    if (!Number.isFinite(amount) || amount < 0) {
      throw new Error(`${name} must be a number of at least 0, not ${amount}`);
    }
    if (amount === 0) {
      cleared[name] = 0;
      continue;
    }
    const onHead = Math.min(amount, head[name] ?? 0);
    if (onHead > 0) headPart[name] = onHead;
    const rest = amount - onHead;
    if (rest <= 0) continue;
    const unit = gcdOf(Object.values(config.workerTypes).map((t) => t.resources[name] ?? 0));
    if (unit === undefined) {
      split.push({ [name]: rest });
      continue;
    }
    const n = Math.ceil(rest / unit - 1e-9);
    for (let i = 0; i < n; i++) split.push({ [name]: unit });
  }
  const out: ResourceBundle[] = [];
  if (Object.keys(cleared).length > 0) out.push(cleared);
  if (Object.keys(headPart).length > 0) out.push(headPart);
  return [...out, ...split];
}

/** Greatest common divisor of the positive amounts (to 1/1000 of a unit); undefined if none is positive. */
export function gcdOf(amounts: readonly number[]): number | undefined {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let g = 0;
  for (const a of amounts) {
    if (!Number.isFinite(a) || a <= 0) continue;
    g = gcd(Math.round(a * 1000), g);
  }
  return g > 0 ? g / 1000 : undefined;
}

/** Every resource name a bundle list mentions (zero amounts included). */
function namesOf(bundles: readonly ResourceBundle[]): Set<string> {
  const names = new Set<string>();
  for (const b of bundles) for (const k of Object.keys(b)) names.add(k);
  return names;
}

/** A bundle without its zero (or invalid) amounts; undefined when nothing is left. */
function positivePart(bundle: ResourceBundle): ResourceBundle | undefined {
  const out: ResourceBundle = {};
  for (const [k, v] of Object.entries(bundle)) if (Number.isFinite(v) && v > 0) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The requests kept after a new one: older requests naming any resource the new one names are
 * dropped (all of them with `override`), then the new one is added with its zero amounts left out
 * (a request of zeros only clears). Extra fields of kept requests (such as `origin`) are kept.
 */
export function mergeRequests<R extends PersistedRequest>(
  persisted: readonly R[],
  incoming: { bundles: ResourceBundle[]; override: boolean; time: number },
): (R | PersistedRequest)[] {
  const names = namesOf(incoming.bundles);
  const kept: (R | PersistedRequest)[] = persisted.filter(
    (r) =>
      !incoming.override && r.bundles.length > 0 && !r.bundles.some((b) => Object.keys(b).some((k) => names.has(k))),
  );
  const bundles = incoming.bundles.map(positivePart).filter((b): b is ResourceBundle => b !== undefined);
  if (bundles.length > 0) kept.push({ time: incoming.time, bundles });
  return kept;
}

/** The bundles the planner keeps room for: every kept request's bundles, zero amounts left out. */
export function requestedBundles(persisted: readonly PersistedRequest[]): ResourceBundle[] {
  const out: ResourceBundle[] = [];
  for (const r of persisted) {
    for (const b of r.bundles) {
      const p = positivePart(b);
      if (p) out.push(p);
    }
  }
  return out;
}

/**
 * For `--up-only`: true when the bundles already fit on the given nodes' total resources (first-fit,
 * as the controller packs them). A request that only clears is always satisfied: `--up-only` never
 * scales down.
 */
export function requestsSatisfied(
  bundles: readonly ResourceBundle[],
  nodeResources: readonly ResourceBundle[],
): boolean {
  const runs = nodeResources.map((cap): CapacityRun => ({ cap, count: 1, used: false }));
  return packGroups(runs, groupBundles(bundles)).remaining.length === 0;
}

/**
 * What `cloudtik scale --workers N` waits for: N workers of the asked type (else the first type),
 * no more than that type's and the cluster's max_workers allow. Undefined when it does not wait
 * (no wait asked, or no workers asked for).
 */
export function scaleWaitTarget(
  args: ScaleArgs & { wait: boolean },
  config: ScalerConfig,
): { nodeType: string; count: number } | undefined {
  if (!args.wait || args.workers === undefined || args.workers <= 0) return undefined;
  const nodeType = args.workerType ?? Object.keys(config.workerTypes)[0] ?? '';
  const count = Math.min(args.workers, config.workerTypes[nodeType]?.maxWorkers ?? args.workers, config.maxWorkers);
  return { nodeType, count };
}
