/**
 * The shapes `--json` prints where the core's own would differ from the rule every command keeps
 * (docs/developer-guide.md, "--json"): a workspace is named `workspace`, a cluster `cluster`.
 */
import type { ClusterSummary, WorkspaceInfo } from '../providers/provider.js';

export interface ClusterSummaryJson extends Omit<ClusterSummary, 'name'> {
  cluster: string;
}

export interface WorkspaceJson extends Omit<WorkspaceInfo, 'name'> {
  workspace: string;
  clusters?: ClusterSummaryJson[];
}

/** A workspace, with its clusters when known, in the names every command's JSON uses. */
export function workspaceJson(w: WorkspaceInfo & { clusters?: ClusterSummary[] }): WorkspaceJson {
  const { name, clusters, ...rest } = w;
  return {
    workspace: name,
    ...rest,
    ...(clusters ? { clusters: clusters.map(({ name: cluster, ...c }) => ({ cluster, ...c })) } : {}),
  };
}

/** Whether a JSON key follows the rule: camelCase, starting with a lower-case letter. */
export function isCamelKey(key: string): boolean {
  return /^[a-z][a-zA-Z0-9]*$/.test(key);
}

/**
 * Keys whose values are maps keyed by data (node type names, resource names, tags, environment
 * variables, step names), not by field names: the rule skips their keys, not their values.
 */
export const DATA_MAPS = new Set([
  'byType',
  'nodeTypes',
  'resources',
  'tags',
  'env',
  'timings',
  'phases',
  'pending',
  'targets',
  'bundles',
  'instanceTypes',
  'free',
]);

/** The field names inside a data map's values (a list of maps, like `bundles`, is each map's). */
function dataMapKeys(map: unknown, at: string): string[] {
  if (Array.isArray(map)) return map.flatMap((m, i) => dataMapKeys(m, `${at}[${i}]`));
  if (typeof map !== 'object' || map === null) return [];
  return Object.entries(map as Record<string, unknown>).flatMap(([name, inner]) =>
    nonCamelKeys(inner, `${at}[${JSON.stringify(name)}]`),
  );
}

/** Every field name in `value` that breaks the rule, as a path (`nodes[0].head_ip`). */
export function nonCamelKeys(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => nonCamelKeys(v, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const path = at === '' ? k : `${at}.${k}`;
    const own = isCamelKey(k) ? [] : [path];
    return DATA_MAPS.has(k) ? [...own, ...dataMapKeys(v, path)] : [...own, ...nonCamelKeys(v, path)];
  });
}
