/**
 * The shape of a prepared (merged, defaulted, validated) config. Keys keep CloudTik's names,
 * so a CloudTik YAML reads the same here. Unknown provider-specific keys are kept as they are.
 */

export type CommandKey =
  | 'initialization_commands'
  | 'head_initialization_commands'
  | 'worker_initialization_commands'
  | 'setup_commands'
  | 'head_setup_commands'
  | 'worker_setup_commands'
  | 'bootstrap_commands'
  | 'start_commands'
  | 'head_start_commands'
  | 'worker_start_commands'
  | 'stop_commands'
  | 'head_stop_commands'
  | 'worker_stop_commands';

/** A named group of commands; `cloudtik` groups are built in, `user` comes from the config. */
export interface CommandGroup {
  group_name: string;
  commands: string[];
}

/** Commands per phase and node kind, after merging built-ins, runtimes and user lists. */
export interface MergedCommands {
  head_initialization_commands: CommandGroup[];
  worker_initialization_commands: CommandGroup[];
  head_setup_commands: CommandGroup[];
  worker_setup_commands: CommandGroup[];
  head_start_commands: CommandGroup[];
  worker_start_commands: CommandGroup[];
  head_stop_commands: CommandGroup[];
  worker_stop_commands: CommandGroup[];
}

export interface InstanceType {
  CPU?: number;
  GPU?: number;
  /** `4G`, `1024M`, or a number of bytes. */
  memory?: string | number;
}

export interface VirtualNodeConfig {
  instance_type?: InstanceType;
  data_disks?: string[];
  data_dirs?: string[];
  [key: string]: unknown;
}

export interface NodeTypeConfig {
  node_config: VirtualNodeConfig;
  min_workers: number;
  max_workers: number;
  launch_priority?: number;
  /** CPU, GPU, memory (bytes) and custom resources; every type also has `{<type name>: 1}`. */
  resources: Record<string, number>;
  runtime?: { types?: string[]; [key: string]: unknown };
  /** Present when the type has commands or a runtime of its own. */
  merged_commands?: MergedCommands;
  [key: string]: unknown;
}

export interface ProviderConfig {
  type: string;
  use_internal_ips?: boolean;
  [key: string]: unknown;
}

export interface AuthConfig {
  ssh_user: string;
  ssh_port?: number;
  ssh_private_key?: string;
  ssh_public_key?: string;
  ssh_proxy_command?: string;
}

export interface DockerConfig {
  enabled?: boolean;
  image?: string;
  head_image?: string;
  worker_image?: string;
  container_name?: string;
  pull_before_run?: boolean;
  run_options?: string[];
  head_run_options?: string[];
  worker_run_options?: string[];
  [key: string]: unknown;
}

export interface ClusterOptions {
  upscaling_speed: number;
  idle_timeout_minutes: number;
  retry_setup_command?: boolean;
  retry_start_command?: boolean;
  number_of_retries?: number;
  retry_interval?: number;
  stable_node_seq_id?: boolean;
  [key: string]: unknown;
}

export interface RuntimeSection {
  types: string[];
  envs?: Record<string, string>;
  [key: string]: unknown;
}

export interface ClusterConfig {
  cluster_name: string;
  workspace_name: string;
  max_workers: number;
  provider: ProviderConfig;
  auth: AuthConfig;
  docker: DockerConfig;
  head_node_type: string;
  available_node_types: Record<string, NodeTypeConfig>;
  /** Remote path -> local path. */
  file_mounts: Record<string, string>;
  cluster_synced_files: string[];
  rsync_exclude: string[];
  rsync_filter: string[];
  options: ClusterOptions;
  runtime: RuntimeSection;
  /** npm tarball (file://, http(s)://) installed on every node during setup. */
  cloudtik_package_url?: string;
  /** CloudTik-compatible alias of `cloudtik_package_url`. */
  cloudtik_wheel_url?: string;
  python_version?: string;
  merged_commands: MergedCommands;
  [key: string]: unknown;
}

export interface WorkspaceConfig {
  workspace_name: string;
  provider: ProviderConfig;
  [key: string]: unknown;
}

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
