import os from 'node:os';
import path from 'node:path';
import { env } from './env.js';
import type { IssueCollector } from './issues.js';
import { isPlainObject, type PlainObject } from './merge.js';
import { parseMemory } from '../core/units.js';
import type { ClusterOverrides } from './types.js';

/** The mapping under `key`, created empty when missing or not a mapping. */
export function objectAt(parent: PlainObject, key: string): PlainObject {
  const value = parent[key];
  if (isPlainObject(value)) return value;
  const created: PlainObject = {};
  parent[key] = created;
  return created;
}

function intOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** Node type names other than the head's. */
export function workerTypeNames(config: PlainObject): string[] {
  const types = isPlainObject(config.available_node_types) ? Object.keys(config.available_node_types) : [];
  return types.filter((name) => name !== config.head_node_type);
}

/**
 * Applies command line overrides to a merged config, in place, and marks the overridden paths
 * so issues about them name the option. Returns the `min_workers` to give the worker type:
 * `--min-workers` if given, else a top-level `min_workers` from the file (which is removed
 * from the config either way).
 */
export function applyOverrides(
  config: PlainObject,
  overrides: ClusterOverrides,
  issues: IssueCollector,
): number | undefined {
  let minWorkers = intOrUndefined(config.min_workers);
  delete config.min_workers;
  if (overrides.clusterName !== undefined) {
    config.cluster_name = overrides.clusterName;
    issues.markOverridden(['cluster_name'], '--cluster-name');
  }
  if (overrides.workspaceName !== undefined) {
    config.workspace_name = overrides.workspaceName;
    issues.markOverridden(['workspace_name'], '--workspace-name');
  }
  if (overrides.maxWorkers !== undefined) {
    config.max_workers = overrides.maxWorkers;
    issues.markOverridden(['max_workers'], '--max-workers');
  }
  if (overrides.minWorkers !== undefined) {
    issues.markOverridden(['min_workers'], '--min-workers');
    if (!Number.isInteger(overrides.minWorkers) || overrides.minWorkers < 0) {
      issues.error(['min_workers'], `must be a whole number >= 0 (found ${overrides.minWorkers})`);
      return undefined;
    }
    minWorkers = overrides.minWorkers;
  }
  return minWorkers;
}

/**
 * Gives `minWorkers` to the only worker type (CloudTik drops a top-level `min_workers`; here it
 * means the same as `--min-workers`). Reports an error when there is no worker type or more
 * than one, and a warning when it replaces a different per-type value.
 */
export function applyMinWorkers(config: PlainObject, minWorkers: number | undefined, issues: IssueCollector): void {
  if (minWorkers === undefined) return;
  const workers = workerTypeNames(config);
  if (workers.length !== 1) {
    const message =
      workers.length === 0
        ? 'there is no worker node type to apply min_workers to'
        : `cannot tell which worker type min_workers applies to: ${workers.join(', ')}`;
    issues.error(['min_workers'], message, {
      at: 'key',
      hint: 'set min_workers on the node type under available_node_types instead',
    });
    return;
  }
  const name = workers[0]!;
  const nodeType = objectAt(objectAt(config, 'available_node_types'), name);
  const own = intOrUndefined(nodeType.min_workers);
  if (own !== undefined && own !== minWorkers) {
    issues.warning(
      ['available_node_types', name, 'min_workers'],
      `replaced by the top-level min_workers (${minWorkers}); it was ${own}`,
    );
  }
  nodeType.min_workers = minWorkers;
}

interface HostResources {
  cpus: number;
  memoryBytes: number;
}

/** The CPUs and memory of the machine this runs on. */
export function hostResources(): HostResources {
  return { cpus: os.cpus().length, memoryBytes: os.totalmem() };
}

/**
 * The `{CPU, GPU, memory}` of a node type: its `node_config.instance_type` written out, or the
 * entry of `provider.instance_types` it names (local provider hosts); `{}` when it names one that
 * is not defined (`default`, for example), which means the size of this machine.
 */
export function instanceSpec(nodeConfig: unknown, provider: unknown): PlainObject {
  const instance = isPlainObject(nodeConfig) ? nodeConfig.instance_type : undefined;
  if (isPlainObject(instance)) return instance;
  // Kubernetes node types size their pods with `resources: {cpu, memory}` instead.
  const resources = isPlainObject(nodeConfig) ? nodeConfig.resources : undefined;
  if (instance === undefined && isPlainObject(resources)) return kubernetesResources(resources);
  if (typeof instance !== 'string' || !isPlainObject(provider) || !isPlainObject(provider.instance_types)) return {};
  const named = provider.instance_types[instance];
  return isPlainObject(named) ? named : {};
}

/** `{cpu: 2 | "500m", memory: "4Gi"}` as an instance size `{CPU, memory}`. */
function kubernetesResources(resources: PlainObject): PlainObject {
  const out: PlainObject = {};
  const cpu = resources.cpu;
  const m = typeof cpu === 'string' ? /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(cpu) : undefined;
  if (typeof cpu === 'number') out.CPU = cpu;
  else if (m) out.CPU = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  if (typeof resources.memory === 'string' || typeof resources.memory === 'number') out.memory = resources.memory;
  return out;
}

/** CPU, GPU and memory (bytes) a node type offers according to its `node_config.instance_type`. */
export function instanceResources(
  nodeConfig: unknown,
  host: HostResources = hostResources(),
  provider: unknown = {},
): Record<string, number> {
  const instance = instanceSpec(nodeConfig, provider);
  const cpu = typeof instance.CPU === 'number' && instance.CPU > 0 ? instance.CPU : host.cpus;
  const gpu = typeof instance.GPU === 'number' ? instance.GPU : 0;
  const memorySpec = instance.memory;
  const memory =
    typeof memorySpec === 'string' || typeof memorySpec === 'number' ? parseMemory(memorySpec) : host.memoryBytes;
  const out: Record<string, number> = { CPU: cpu, memory };
  if (gpu > 0) {
    out.GPU = gpu;
    out['accelerator_type:GPU'] = 1;
  }
  return out;
}

/**
 * Fills what CloudTik's bootstrap fills, in place: global `max_workers` (the larger of the sum
 * of all types' `min_workers` and the default, `CLOUDTIK_DEFAULT_MAX_WORKERS` or 32), and per
 * node type `min_workers` (0), `max_workers` (global; 0 for the head type) and `resources`
 * (from `instance_type`, then the type's own `resources`, then `{<type name>: 1}`).
 */
export function fillNodeTypeDefaults(config: PlainObject): void {
  const types = objectAt(config, 'available_node_types');
  let sumMin = 0;
  for (const value of Object.values(types)) {
    if (isPlainObject(value)) sumMin += intOrUndefined(value.min_workers) ?? 0;
  }
  if (intOrUndefined(config.max_workers) === undefined) config.max_workers = Math.max(sumMin, env.defaultMaxWorkers());
  for (const [name, value] of Object.entries(types)) {
    const nodeType = isPlainObject(value) ? value : objectAt(types, name);
    if (intOrUndefined(nodeType.min_workers) === undefined) nodeType.min_workers = 0;
    if (intOrUndefined(nodeType.max_workers) === undefined) {
      nodeType.max_workers = name === config.head_node_type ? 0 : config.max_workers;
    }
    const own = isPlainObject(nodeType.resources) ? nodeType.resources : {};
    nodeType.resources = { ...instanceResources(nodeType.node_config, undefined, config.provider), ...own, [name]: 1 };
  }
}

/** `~` and `~/x` expanded to the home folder, other relative paths resolved against `baseDir`. */
export function resolveLocalPath(localPath: string, baseDir: string): string {
  if (localPath === '~') return os.homedir();
  if (localPath.startsWith('~/')) return path.join(os.homedir(), localPath.slice(2));
  return path.resolve(baseDir, localPath);
}

/** `runtime.envs` values as strings (numbers and booleans written in YAML are turned into text). */
export function stringifyEnvs(runtime: unknown): void {
  if (!isPlainObject(runtime) || !isPlainObject(runtime.envs)) return;
  for (const [key, value] of Object.entries(runtime.envs)) {
    if (typeof value === 'number' || typeof value === 'boolean') runtime.envs[key] = String(value);
  }
}
