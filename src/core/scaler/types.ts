/**
 * The data the cluster controller's decisions are made of. Everything here is plain data: the
 * scaler functions that use it are pure (no I/O, the time is an input), so a controller pass can
 * be table-tested and benchmarked with thousands of simulated nodes.
 */

/** Resource amounts by name: `CPU`, `GPU`, `memory` (bytes), a node type's own `{<type>: 1}`, custom ones. */
export type ResourceBundle = Record<string, number>;

/** What the scaler needs to know about one node type. */
export interface ScalerNodeType {
  name: string;
  /** Resources one node of this type offers (always includes `{<name>: 1}`). */
  resources: ResourceBundle;
  minWorkers: number;
  maxWorkers: number;
  /** Higher launches first; in one pass only the types with the highest priority that need nodes launch. */
  launchPriority: number;
  /** The `cloudtik-launch-config` hash a current node of this type carries. */
  launchHash: string;
}

export interface ScalerConfig {
  headNodeType: string;
  /** Worker types only (the head type is not here). */
  workerTypes: Record<string, ScalerNodeType>;
  /** Global cap on the number of workers. */
  maxWorkers: number;
  upscalingSpeed: number;
  idleTimeoutMs: number;
  /** A node whose last heartbeat is older than this is unhealthy. */
  heartbeatTimeoutMs: number;
  /**
   * Resources of the head node (its type's resources). When given, the head counts towards scale
   * requests (the head bundle `cloudtik scale --cpus` asks for is met by the head itself); when
   * absent the head counts for nothing and such a bundle needs a worker.
   */
  headResources?: ResourceBundle;
}

/** One worker as the controller sees it: provider labels and tags joined with its heartbeat. */
export interface ScalerNode {
  id: string;
  nodeType: string;
  ip: string | undefined;
  /** The container (or VM) runs. A node that is not running is dead and is replaced. */
  running: boolean;
  /** Created and not started yet: its launch is under way (see LAUNCH_GRACE_MS). */
  starting?: boolean;
  /**
   * Stopped but whole: it finished its setup before and was not killed on purpose, so starting it
   * again brings it back with its data (an engine restart, someone's `docker stop`).
   */
  resumable?: boolean;
  /** When the controller last started it again; it gets LAUNCH_GRACE_MS to run and heartbeat. */
  resumedAt?: number;
  /** When the controller last finished setting it up or restarting its services: heartbeats are due from then. */
  updatedAt?: number;
  /** The `cloudtik-node-status` tag. */
  status: string;
  /** The `cloudtik-launch-config` label. */
  launchHash: string;
  createdAt: number;
  /** Last heartbeat from the node's agent, ms since the epoch; undefined if it never sent one. */
  heartbeatAt: number | undefined;
  /** Resources the node's agent reports as free right now (undefined: assume the type's full resources). */
  available?: ResourceBundle;
  /** The agent reports the node as busy (CPU load over the in-use threshold, or a runtime says so). */
  inUse: boolean;
}

/** Why the controller acts. Kept short and human: it is shown by `status` and `events`. */
export interface Decision {
  nodeId?: string;
  nodeType: string;
  /** e.g. "idle 5m12s", "outdated launch config", "no heartbeat 31s", "min_workers of worker.default". */
  reason: string;
}

export interface LaunchDecision {
  nodeType: string;
  count: number;
  reason: string;
}

/** State the controller keeps between passes (in memory; rebuilt after a restart). */
export interface ScalerMemory {
  /** When each worker was last seen in use (or first seen), by node id. */
  lastUsedAt: Map<string, number>;
  /** When the controller started: nothing is retired as idle in its first 30 s. */
  startedAt: number;
}

export interface PassInput {
  config: ScalerConfig;
  /** Every worker the provider lists for the cluster (running or not). */
  workers: ScalerNode[];
  /** Launches requested but not yet listed by the provider, by node type. */
  pending: Record<string, number>;
  /** Resource bundles the user asked for with `cloudtik scale` (a floor the cluster keeps). */
  requests: ResourceBundle[];
  /** Resource bundles a scaling policy asks for (tasks waiting); may be empty. */
  demands: ResourceBundle[];
  /** Node ids whose updater is running now. */
  updating: ReadonlySet<string>;
  /** Node types that must not launch now (backing off after failures), with the reason. */
  blockedTypes: Record<string, string>;
  now: number;
  memory: ScalerMemory;
}

export interface PassResult {
  terminate: Decision[];
  launch: LaunchDecision[];
  /** Up-to-date workers without a recent heartbeat: re-run their start commands. */
  recover: Decision[];
  /** Stopped workers to start again instead of replacing them (see ScalerNode.resumable). */
  resume: Decision[];
  /** Demands or requests no node type can ever satisfy, and min_workers that cannot be met. */
  infeasible: ResourceBundle[];
  /** Human lines for status, e.g. "worker.default: 2 of 3 min_workers, backing off: image missing". */
  messages: string[];
  /**
   * The new `memory.lastUsedAt` (the scaler never mutates its input): nodes in use now and nodes
   * seen for the first time get `now`, vanished nodes are dropped. Store it for the next pass.
   */
  lastUsedAt: Map<string, number>;
}

/** A scale request as kept on the head (compatible with the state store's `StoredRequest`). */
export interface PersistedRequest {
  time: number;
  /** Only non-zero amounts are kept: a zero in a request clears, it is not stored. */
  bundles: ResourceBundle[];
  /** The command line that made it, for `status`. */
  origin?: string;
}
