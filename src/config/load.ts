import path from 'node:path';
import { mergeCommands, needsOwnCommands, NODE_TYPE_COMMAND_KEYS } from './commands.js';
import { prepareRuntimes, runtimeCommandGroups } from './runtimes.js';
import { readLayer, resolveChain } from './inherit.js';
import { ConfigError, IssueCollector } from './issues.js';
import { deepCopy, isPlainObject, mergeAll, mergeConfig, type PlainObject } from './merge.js';
import { applyMinWorkers, applyOverrides, fillNodeTypeDefaults, stringifyEnvs } from './prepare.js';
import { checkClusterRules } from './rules.js';
import { checkSchema, type SchemaName } from './schema-check.js';
import { resolveProviderConfig } from '../providers/registry.js';
import type {
  CheckedClusterConfig,
  CheckedWorkspaceConfig,
  ClusterConfig,
  ClusterOverrides,
  LoadedConfig,
  ProviderConfig,
  WorkspaceConfig,
} from './types.js';

export { ConfigError, formatIssue, isConfigError } from './issues.js';

interface MergedResult {
  data: PlainObject;
  issues: IssueCollector;
  file: string;
}

/** Read, check as written, resolve `from:` and defaults, merge. Throws `ConfigError` on any error so far. */
async function loadMerged(file: string, kind: SchemaName): Promise<MergedResult> {
  const absolute = path.resolve(file);
  const bootstrap = new IssueCollector(file);
  const user = await readLayer(absolute, bootstrap, file);
  if (!user) throw new ConfigError(bootstrap.errors, bootstrap.warnings);

  const issues = new IssueCollector(file, user.source);
  issues.addAll(bootstrap.issues);
  issues.addAll(checkSchema(user.data, { schema: kind, stage: 'file', file, source: user.source }));
  const chain = await resolveChain({ kind, user, issues });
  // Errors in the file itself do not stop here when the chain resolved: the semantic rules still
  // run on the merged result, so a user sees every problem at once.
  if (!chain) issues.throwIfErrors();
  const data = mergeAll(chain!.layers);
  delete data.from;
  return { data, issues, file: absolute };
}

interface CheckedConfigs {
  cluster: CheckedClusterConfig;
  workspace: CheckedWorkspaceConfig;
}

/** Checks the merged config against the schema with the merged-stage requirements; throws on errors. */
function checkMerged<K extends SchemaName>(data: PlainObject, kind: K, issues: IssueCollector): CheckedConfigs[K] {
  issues.addAll(checkSchema(data, { schema: kind, stage: 'merged', file: issues.file, source: issues.source }));
  issues.throwIfErrors();
  // Ajv found nothing wrong with `data` against the schema these types are generated from.
  return data as unknown as CheckedConfigs[K];
}

/** Gives each worker type that sets its own commands or runtime its own `merged_commands`. */
function mergeNodeTypeCommands(config: PlainObject): void {
  const types = config.available_node_types;
  if (!isPlainObject(types)) return;
  for (const [name, nodeType] of Object.entries(types)) {
    if (!isPlainObject(nodeType) || name === config.head_node_type || !needsOwnCommands(nodeType)) continue;
    const view: PlainObject = { ...config };
    for (const key of NODE_TYPE_COMMAND_KEYS) if (key in nodeType) view[key] = nodeType[key];
    if (isPlainObject(nodeType.runtime)) {
      view.runtime = mergeConfig(isPlainObject(config.runtime) ? config.runtime : {}, nodeType.runtime);
    }
    nodeType.merged_commands = mergeCommands(view, { runtimes: runtimeCommandGroups(view.runtime) });
  }
}

/** Keys the provider section takes from outside the file (the onpremise pool's address and instance types). */
async function resolveProvider(data: PlainObject): Promise<void> {
  const section = data.provider;
  if (!isPlainObject(section) || typeof section.type !== 'string') return;
  const extra = await resolveProviderConfig(section as ProviderConfig);
  if (extra) Object.assign(section, extra);
}

/**
 * Runs the preparation steps on a config that already has errors: its values may have the wrong
 * types, so each step runs best effort, adding what it finds, and never hides the errors already
 * found. Findings on values the file does not write (defaults derived from a bad value) only add
 * noise, so only those with a position in the file are kept.
 */
function runBestEffort(steps: ReadonlyArray<() => void>, issues: IssueCollector): void {
  const before = issues.issues.length;
  for (const step of steps) {
    try {
      step();
    } catch {
      // Nothing to add from this step: the errors found so far say what is wrong.
    }
  }
  const found = issues.issues.splice(before);
  issues.issues.push(...found.filter((i) => i.line !== undefined));
}

/**
 * Loads a cluster config file the way `cloudtik start` needs it.
 *
 * Pipeline: read (a missing file is an error) → parse YAML keeping positions → check the file
 * as written against `schema/cluster.json` → follow `from:` templates down to the provider's
 * built-in defaults and merge them (CloudTik's rules, see `mergeConfig`) → apply `overrides` →
 * the provider's keys from outside the file (onpremise: the pool's address and instance types) →
 * check the merged result (required keys, values from templates) → fill defaults (`max_workers`,
 * per type `min_workers`/`max_workers`/`resources`; a top-level `min_workers` or
 * `overrides.minWorkers` goes to the only worker type) → semantic rules → `merged_commands`
 * (global, and for worker types with commands or a runtime of their own).
 *
 * Resolves with a plain JSON-serialisable config and the warnings found. Rejects with a
 * `ConfigError` listing every error found (`file:line:col key: message`), or a `CloudtikError`
 * for problems outside the file. The `from` key is removed from the result (it is resolved).
 */
export async function loadClusterConfig(
  file: string,
  overrides: ClusterOverrides = {},
): Promise<LoadedConfig<ClusterConfig>> {
  const { data, issues, file: absolute } = await loadMerged(file, 'cluster');
  const minWorkers = applyOverrides(data, overrides, issues);
  if (issues.errors.length === 0) await resolveProvider(data);
  const steps = [
    () => applyMinWorkers(data, minWorkers, issues),
    () => fillNodeTypeDefaults(data),
    () => checkClusterRules(data, { issues, baseDir: path.dirname(absolute) }),
    () => prepareRuntimes(data, issues),
  ];
  if (issues.errors.length > 0) {
    // So the user sees every problem at once; then this throws, as there are errors.
    runBestEffort(steps, issues);
    issues.throwIfErrors();
  }
  const checked = checkMerged(data, 'cluster', issues);
  for (const step of steps) step();
  issues.throwIfErrors();

  stringifyEnvs(data.runtime);
  for (const nodeType of Object.values(isPlainObject(data.available_node_types) ? data.available_node_types : {})) {
    if (isPlainObject(nodeType)) stringifyEnvs(nodeType.runtime);
  }
  data.merged_commands = mergeCommands(data, { runtimes: runtimeCommandGroups(data.runtime) });
  mergeNodeTypeCommands(data);
  // The steps after the check filled what ClusterConfig adds to the checked type (see types.ts).
  return { config: deepCopy(checked) as ClusterConfig, file: absolute, warnings: issues.warnings };
}

/**
 * Loads a workspace config file: read → check as written against `schema/workspace.json` →
 * `from:` templates and the provider's workspace defaults → merge → `opts.workspaceName`
 * override → check the merged result. Rejects with a `ConfigError` listing every error.
 */
export async function loadWorkspaceConfig(
  file: string,
  opts: { workspaceName?: string } = {},
): Promise<LoadedConfig<WorkspaceConfig>> {
  const { data, issues, file: absolute } = await loadMerged(file, 'workspace');
  issues.throwIfErrors();
  if (opts.workspaceName !== undefined) {
    data.workspace_name = opts.workspaceName;
    issues.markOverridden(['workspace_name'], '--workspace-name');
  }
  return { config: checkMerged(data, 'workspace', issues), file: absolute, warnings: issues.warnings };
}
