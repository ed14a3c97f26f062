/**
 * Generated from src/config/schema/cluster.json by scripts/gen-config-types.mjs: do not edit.
 * After changing the schema, run `npm run gen:types` (a unit test fails until the two agree).
 * Every key is optional here, as in a file; src/config/types.ts says what loading guarantees.
 */

/**
 * Size of each node of this type: {CPU, GPU, memory} (virtual: container limits), or the name of one of provider.instance_types (local).
 */
export type InstanceType =
  | {
      /**
       * Number of CPUs.
       */
      CPU?: number;
      /**
       * Number of GPUs.
       */
      GPU?: number;
      /**
       * Memory size: a number with a unit K, M, G or T (powers of 1024), for example 4G, 1024M, 512Mi, 1.5G, or a whole number of bytes.
       */
      memory?: string | number;
    }
  | string;

/**
 * One YAML file describing a cluster: its provider, node types, commands and runtimes. Keys left out come from the provider defaults and from `from:` templates.
 */
export interface CloudTikClusterConfig {
  /**
   * A template to build on: `name` loads `name.yaml` from the user template folders (CLOUDTIK_USER_TEMPLATES) or the built-in templates.
   */
  from?: string;
  /**
   * The workspace (shared network) the cluster runs in.
   */
  workspace_name?: string;
  /**
   * A name for the cluster, unique in its workspace.
   */
  cluster_name?: string;
  /**
   * Workers kept running, applied to the only worker type (same as `cloudtik start --min-workers`).
   */
  min_workers?: number;
  /**
   * Most workers in the cluster, over all node types (default: the larger of the sum of min_workers and 32).
   */
  max_workers?: number;
  /**
   * An npm package tarball of cloudtik installed on every node during setup (for testing a development build).
   */
  cloudtik_package_url?: string;
  /**
   * CloudTik-compatible name of cloudtik_package_url. A Python wheel (.whl) is ignored with a warning.
   */
  cloudtik_wheel_url?: string;
  /**
   * Python version for runtimes that need one.
   */
  python_version?: string;
  /**
   * Encryption of runtime settings shared through the head. Accepted for CloudTik compatibility; not applied by this version.
   */
  encryption?: {
    /**
     * 32 bytes as 64 hex digits.
     */
    key?: string;
  };
  /**
   * CloudTik-compatible spelling of encryption.key. Accepted for CloudTik compatibility; not applied by this version.
   */
  'encryption.key'?: string;
  options?: ClusterOptions;
  provider?: Provider;
  auth?: Authentication;
  docker?: Container;
  /**
   * Which entry of available_node_types the head node uses.
   */
  head_node_type?: string;
  /**
   * Provider-specific head node settings (legacy).
   */
  head_node?: {
    [k: string]: unknown;
  };
  available_node_types?: NodeTypes;
  file_mounts?: FileMounts;
  /**
   * Paths on the head copied to the same paths on the workers.
   */
  cluster_synced_files?: string[];
  file_mounts_sync_continuously?: boolean;
  /**
   * Patterns left out when copying.
   */
  rsync_exclude?: string[];
  /**
   * Filter files (like .gitignore) used when copying.
   */
  rsync_filter?: string[];
  /**
   * Free-form data kept with the config.
   */
  metadata?: {
    [k: string]: unknown;
  };
  /**
   * Run on the host of every node before its container starts.
   */
  initialization_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  head_initialization_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  worker_initialization_commands?: string[];
  /**
   * Run on every node when it is set up.
   */
  setup_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  head_setup_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  worker_setup_commands?: string[];
  /**
   * Run on every node after all other setup commands.
   */
  bootstrap_commands?: string[];
  /**
   * Run on every node to start its services.
   */
  start_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  head_start_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  worker_start_commands?: string[];
  /**
   * Run on every node before it stops.
   */
  stop_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  head_stop_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  worker_stop_commands?: string[];
  runtime?: Runtime;
  /**
   * Computed by the loader; do not set.
   */
  merged_commands?: {
    [k: string]: unknown;
  };
  no_restart?: boolean;
  no_controller_on_head?: boolean;
  bootstrapped?: boolean;
}
/**
 * How the cluster controller behaves.
 */
export interface ClusterOptions {
  /**
   * Growth factor per scaling round (default 1.0).
   */
  upscaling_speed?: number;
  /**
   * Minutes a worker may stay idle before it is removed (default 5; 0 keeps it).
   */
  idle_timeout_minutes?: number;
  launch_with_strong_priority?: boolean;
  /**
   * Reuse the lowest free node sequence number. Accepted for CloudTik compatibility; not applied by this version (a new node takes the next number).
   */
  stable_node_seq_id?: boolean;
  retry_setup_command?: boolean;
  retry_start_command?: boolean;
  number_of_retries?: number;
  /**
   * Seconds between retries.
   */
  retry_interval?: number;
  use_hostname?: boolean;
  use_fqdn?: boolean;
}
/**
 * Where the nodes come from. Keys other than `type` depend on the provider.
 */
export interface Provider {
  /**
   * Provider type, for example `virtual`.
   */
  type?: string;
  /**
   * Reach nodes at their internal addresses.
   */
  use_internal_ips?: boolean;
  /**
   * Publish the head's service ports on the host (virtual). Accepted for CloudTik compatibility; not applied by this version.
   */
  enable_port_mapping?: boolean;
  /**
   * First host port used for port mapping (virtual). Accepted for CloudTik compatibility; not applied by this version.
   */
  port_mapping_base?: number;
  /**
   * Keep each node's data disks after the node is removed (virtual: folders; kubernetes: claims).
   */
  permanent_data_volumes?: boolean;
  disable_node_updaters?: boolean;
  /**
   * The hosts a local cluster may use (local provider). The head is the host that runs `cloudtik start`, or `local_ip`.
   */
  nodes?: {
    /**
     * Address (or host name) of the host; it is the node's id.
     */
    ip: string;
    /**
     * Name of one of provider.instance_types (default: `default`).
     */
    instance_type?: string;
    external_ip?: string;
  }[];
  /**
   * Sizes of the listed hosts by name (local provider). A name used but not defined here, `default` included, gets the size of the machine that runs `cloudtik start`.
   */
  instance_types?: {
    [k: string]: InstanceType & {
      [k: string]: unknown;
    };
  };
  /**
   * Which listed host is this machine, the head (local provider); found from this machine's addresses when left out.
   */
  local_ip?: string;
  /**
   * Where the host-pool service listens, `host` or `host:port` (onpremise; port 8282 when left out). Found from the service running on this machine when left out.
   */
  cloud_simulator_address?: string;
  /**
   * Namespace of the workspace (kubernetes); it is named after the workspace.
   */
  namespace?: string;
  /**
   * Kubeconfig file to use (kubernetes); default: KUBECONFIG, ~/.kube/config, else the pod's service account.
   */
  kubeconfig?: string;
  /**
   * The head pods' ServiceAccount (kubernetes; cloudtik-head-service-account).
   */
  head_service_account?: {
    [k: string]: unknown;
  };
  /**
   * The head's Role (kubernetes; cloudtik-head-role).
   */
  head_role?: {
    [k: string]: unknown;
  };
  /**
   * The head's RoleBinding (kubernetes).
   */
  head_role_binding?: {
    [k: string]: unknown;
  };
  /**
   * The worker pods' ServiceAccount (kubernetes).
   */
  worker_service_account?: {
    [k: string]: unknown;
  };
  /**
   * The head Service (kubernetes; state store port).
   */
  head_service?: {
    [k: string]: unknown;
  };
  /**
   * A LoadBalancer Service of the head (kubernetes; not made by this version).
   */
  head_external_service?: {
    [k: string]: unknown;
  };
  /**
   * The headless Service that names the pods (kubernetes).
   */
  node_service?: {
    [k: string]: unknown;
  };
  /**
   * The managed Kubernetes this runs on (EKS, AKS, GKE specifics; not applied by this version).
   */
  cloud_provider?: {
    [k: string]: unknown;
  };
  [k: string]: unknown;
}
/**
 * How commands reach the nodes.
 */
export interface Authentication {
  /**
   * User that runs commands on the nodes.
   */
  ssh_user?: string;
  /**
   * SSH port of the nodes.
   */
  ssh_port?: number | string;
  ssh_public_key?: string;
  /**
   * Private key file for SSH.
   */
  ssh_private_key?: string;
  /**
   * ProxyCommand for SSH.
   */
  ssh_proxy_command?: string;
}
/**
 * The container every node runs its commands in.
 */
export interface Container {
  enabled?: boolean;
  /**
   * Node image.
   */
  image?: string;
  container_name?: string;
  /**
   * Pull the image before starting a node. Accepted for CloudTik compatibility; not applied by this version.
   */
  pull_before_run?: boolean;
  /**
   * Extra `docker run` options.
   */
  run_options?: string[];
  head_image?: string;
  head_run_options?: string[];
  worker_image?: string;
  worker_run_options?: string[];
  disable_automatic_runtime_detection?: boolean;
  disable_head_automatic_runtime_detection?: boolean;
  disable_shm_size_detection?: boolean;
  use_podman?: boolean;
  is_gpu?: boolean;
  /**
   * Run on the host of every node before its container starts.
   */
  initialization_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  head_initialization_commands?: string[];
  /**
   * Shell commands, run in order; a failing command stops the phase.
   */
  worker_initialization_commands?: string[];
}
/**
 * Node types by name. The defaults `head.default` and `worker.default` are always present.
 */
export interface NodeTypes {
  [k: string]: NodeType;
}
/**
 * One kind of node: its size, how many, and its own commands or runtimes.
 */
export interface NodeType {
  node_config?: NodeConfig;
  /**
   * Nodes of this type kept running at all times (default 0).
   */
  min_workers?: number;
  /**
   * Most nodes of this type (default: the global max_workers; 0 for the head type).
   */
  max_workers?: number;
  /**
   * Launch order when several types are needed; 0 is the highest priority.
   */
  launch_priority?: number;
  /**
   * Resources a node of this type offers (CPU, GPU, memory in bytes, custom). Filled from instance_type when left out.
   */
  resources?: {
    [k: string]: number;
  };
  /**
   * Replaces the global worker_initialization_commands for this type.
   */
  worker_initialization_commands?: string[];
  /**
   * Replaces the global worker_setup_commands for this type.
   */
  worker_setup_commands?: string[];
  /**
   * Replaces the global bootstrap_commands for this type.
   */
  bootstrap_commands?: string[];
  /**
   * Replaces the global worker_start_commands for this type.
   */
  worker_start_commands?: string[];
  /**
   * Replaces the global worker_stop_commands for this type.
   */
  worker_stop_commands?: string[];
  runtime?: Runtime;
  /**
   * Container settings of this type.
   */
  docker?: {
    pull_before_run?: boolean;
    worker_image?: string;
    worker_run_options?: string[];
  };
  /**
   * Computed by the loader; do not set.
   */
  merged_commands?: {
    [k: string]: unknown;
  };
}
/**
 * Provider-specific settings of the nodes of this type.
 */
export interface NodeConfig {
  instance_type?: InstanceType;
  /**
   * Host folders; each node gets its own sub-folder of each, mounted as a data disk.
   */
  data_disks?: string[];
  /**
   * Host folders shared by all nodes, mounted under /cloudtik/data/<name>.
   */
  data_dirs?: string[];
  /**
   * CPUs and memory of each pod (kubernetes): copied into the container's requests and limits.
   */
  resources?: {
    cpu?: number | string;
    memory?: number | string;
    [k: string]: unknown;
  };
  /**
   * A Pod manifest fragment merged into each node's pod (kubernetes): metadata, spec, containers matched by name.
   */
  pod?: {
    [k: string]: unknown;
  };
  /**
   * Data disks of each pod as PersistentVolumeClaims (kubernetes), mounted at /mnt/cloudtik/data_disk_<n>.
   */
  dataDisks?: {
    /**
     * Size in GiB.
     */
    diskSize?: number;
    storageClass?: string;
    name?: string;
    [k: string]: unknown;
  }[];
  /**
   * A Service per node (kubernetes; not made by this version).
   */
  service?: {
    [k: string]: unknown;
  };
  /**
   * An Ingress per node (kubernetes; not made by this version).
   */
  ingress?: {
    [k: string]: unknown;
  };
  [k: string]: unknown;
}
/**
 * Runtimes (engines such as HDFS or Spark) to run on the nodes, and their settings under their own names.
 */
export interface Runtime {
  /**
   * Names of the runtimes to install and start.
   */
  types?: string[];
  envs?: Envs;
  /**
   * Scaling policy settings.
   */
  scaling?: {
    [k: string]: unknown;
  };
  /**
   * Settings of the runtime with this name.
   */
  [k: string]:
    | {
        [k: string]: unknown;
      }
    | string[]
    | Envs
    | undefined;
}
/**
 * Environment variables exported to every command on the nodes.
 */
export interface Envs {
  [k: string]: string | number | boolean;
}
/**
 * Files or folders copied to every node: remote path -> local path.
 */
export interface FileMounts {
  [k: string]: string;
}
