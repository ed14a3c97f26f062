/**
 * The shape of a loaded config. Keys keep CloudTik's names, so a CloudTik YAML reads the same here.
 *
 * The types are generated from the JSON Schemas (`src/config/generated/`, `npm run gen:types`), where
 * every key is optional as in a file. Here they are narrowed to what loading guarantees on top of the
 * schema, each with the loader step that guarantees it:
 * - the merged-stage check (`MERGED_REQUIREMENTS` in schema-check.ts) requires a few keys;
 * - `defaults.yaml`, which every provider's defaults build on, gives options, docker, auth, the
 *   copying lists and `runtime.types`: a file can change those values but not remove them;
 * - prepare.ts fills `max_workers` and per node type `min_workers`, `max_workers`, `resources`, turns
 *   `runtime.envs` values into strings and removes the top-level `min_workers` (given to the worker
 *   type); load.ts removes `from` (resolved) and computes `merged_commands` (commands.ts).
 * The one cast left is in load.ts: from the data ajv checked at the merged stage to `CheckedClusterConfig`
 * or `CheckedWorkspaceConfig`; from there to `ClusterConfig` is a narrowing between related types (tsc rejects
 * it if they stop agreeing), and `CheckedWorkspaceConfig` is assignable to `WorkspaceConfig` as it is.
 */
import type * as ClusterSchema from './generated/cluster.js';
import type * as WorkspaceSchema from './generated/workspace.js';

/** `T` with the keys `K` present. */
type With<T, K extends keyof T> = T & Required<Pick<T, K>>;

/** A cluster config as the schema allows it, every key optional (before defaults are merged in). */
export type ClusterConfigFile = ClusterSchema.CloudTikClusterConfig;
/** A workspace config as the schema allows it, every key optional. */
export type WorkspaceConfigFile = WorkspaceSchema.CloudTikWorkspaceConfig;

/** The 13 command list keys of a config (node types may set some of them). */
export type CommandKey = Exclude<Extract<keyof ClusterConfigFile, `${string}_commands`>, 'merged_commands'>;

/** A named group of commands; `cloudtik` groups are built in, `user` comes from the config. */
export interface CommandGroup {
  group_name: string;
  commands: string[];
}

/**
 * Commands per phase and node kind, after merging built-ins, runtimes and user lists
 * (`mergeCommands`; the schema only says `merged_commands` is computed).
 */
export type MergedCommands = Record<
  `${'head' | 'worker'}_${'initialization' | 'setup' | 'start' | 'stop'}_commands`,
  CommandGroup[]
>;

/** `{CPU, GPU, memory}` written out (a node type may instead name one of `provider.instance_types`). */
export type InstanceType = Exclude<ClusterSchema.InstanceType, string>;

/** Provider-specific settings of a node type; unknown keys are kept as they are. */
export type VirtualNodeConfig = ClusterSchema.NodeConfig;

/** A runtime section after `stringifyEnvs` (prepare.ts) turned numbers and booleans in `envs` into text. */
type PreparedRuntime = ClusterSchema.Runtime & { envs?: Record<string, string> };

/**
 * A node type: `node_config` is required by the merged-stage check; `fillNodeTypeDefaults`
 * (prepare.ts) fills `min_workers`, `max_workers` and `resources` (CPU, GPU, memory in bytes and
 * custom ones; every type also has `{<type name>: 1}`); `mergeNodeTypeCommands` (load.ts) gives
 * `merged_commands` to worker types with commands or a runtime of their own.
 */
export type NodeTypeConfig = Omit<ClusterSchema.NodeType, 'runtime' | 'merged_commands'> &
  Required<Pick<ClusterSchema.NodeType, 'node_config' | 'min_workers' | 'max_workers' | 'resources'>> & {
    runtime?: PreparedRuntime;
    merged_commands?: MergedCommands;
  };

/**
 * The provider section of a cluster or a workspace: the keys either schema declares (both keep
 * unknown provider-specific keys); `type` is required by the merged-stage check.
 */
export type ProviderConfig = ClusterSchema.Provider & WorkspaceSchema.Provider & { type: string };

/** `ssh_user` comes from `defaults.yaml` (and is required by the merged-stage check). */
export type AuthConfig = With<ClusterSchema.Authentication, 'ssh_user'>;

export type DockerConfig = ClusterSchema.Container;

/** `upscaling_speed` and `idle_timeout_minutes` come from `defaults.yaml`. */
export type ClusterOptions = With<ClusterSchema.ClusterOptions, 'upscaling_speed' | 'idle_timeout_minutes'>;

/** `types` comes from `defaults.yaml` (`[]`). */
export type RuntimeSection = With<PreparedRuntime, 'types'>;

/**
 * A merged cluster config that passed the merged-stage check: the schema's type with the keys
 * `MERGED_REQUIREMENTS` (schema-check.ts) requires. Loading narrows it further to `ClusterConfig`.
 */
export type CheckedClusterConfig = With<ClusterConfigFile, 'workspace_name' | 'cluster_name' | 'head_node_type'> & {
  provider: With<ClusterSchema.Provider, 'type'>;
  auth: AuthConfig;
  available_node_types: Record<string, With<ClusterSchema.NodeType, 'node_config'>>;
};

/** A merged workspace config that passed the merged-stage check (`MERGED_REQUIREMENTS`, schema-check.ts). */
export type CheckedWorkspaceConfig = With<WorkspaceConfigFile, 'workspace_name'> & {
  provider: With<WorkspaceSchema.Provider, 'type'>;
};

/** Keys the loader resolves or moves, so a loaded config never has them. */
type ResolvedKeys = 'from' | 'min_workers';
/** Keys whose type is narrowed below. */
type NarrowedKeys = 'provider' | 'auth' | 'docker' | 'options' | 'runtime' | 'available_node_types' | 'merged_commands';

/** A loaded cluster config (`loadClusterConfig`). */
export type ClusterConfig = Omit<ClusterConfigFile, ResolvedKeys | NarrowedKeys> &
  Required<
    Pick<
      ClusterConfigFile,
      | 'cluster_name'
      | 'workspace_name'
      | 'max_workers'
      | 'head_node_type'
      | 'file_mounts'
      | 'cluster_synced_files'
      | 'rsync_exclude'
      | 'rsync_filter'
    >
  > & {
    provider: ProviderConfig;
    auth: AuthConfig;
    docker: DockerConfig;
    options: ClusterOptions;
    runtime: RuntimeSection;
    available_node_types: Record<string, NodeTypeConfig>;
    merged_commands: MergedCommands;
  };

/** A loaded workspace config (`loadWorkspaceConfig`): `workspace_name` and `provider.type` are required by the merged-stage check. */
export type WorkspaceConfig = Omit<WorkspaceConfigFile, 'from' | 'provider'> &
  Required<Pick<WorkspaceConfigFile, 'workspace_name'>> & { provider: ProviderConfig };

export type IssueSeverity = 'error' | 'warning';

/** One problem found in a config, with its position in the source file when known. */
export interface ConfigIssue {
  severity: IssueSeverity;
  file: string;
  line?: number;
  col?: number;
  /** Dotted key path, e.g. `available_node_types.worker.default.min_workers`. */
  path: string;
  message: string;
  hint?: string;
}

export interface LoadedConfig<T> {
  config: T;
  /** Absolute path of the user's file. */
  file: string;
  warnings: ConfigIssue[];
}

/** Overrides a CLI applies on top of the file. */
export interface ClusterOverrides {
  clusterName?: string;
  workspaceName?: string;
  minWorkers?: number;
  maxWorkers?: number;
}
