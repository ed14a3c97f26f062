import type { CommandRunner } from '../core/command/runner.js';
import type { EventSink } from '../core/events.js';

export type NodeKind = 'head' | 'worker';

/** Tag (label) names; CloudTik's own, so tools that read them keep working. */
export const TAG = {
  workspace: 'cloudtik-workspace-name',
  cluster: 'cloudtik-cluster-name',
  nodeKind: 'cloudtik-node-kind',
  nodeType: 'cloudtik-user-node-type',
  nodeName: 'cloudtik-node-name',
  nodeStatus: 'cloudtik-node-status',
  launchConfig: 'cloudtik-launch-config',
  runtimeConfig: 'cloudtik-runtime-config',
  fileMountsContents: 'cloudtik-file-mounts-contents',
  seqId: 'cloudtik-node-seq-id',
  /**
   * When the node's setup last ran (ms since the epoch, written as it becomes up-to-date): a later
   * start of its container is a restart (the engine's, a resume, a stopped node started again).
   */
  setupAt: 'cloudtik-node-setup-at',
  /** Set on a node killed on purpose (`kill-node`): it is replaced, not started again. */
  killed: 'cloudtik-node-killed',
} as const;

/** Node statuses kept in the {@link TAG.nodeStatus} tag, in updater order. */
export type NodeStatus =
  'uninitialized' | 'waiting-for-ssh' | 'syncing-files' | 'setting-up' | 'up-to-date' | 'update-failed';

/** A node as listed from the provider: creation labels merged with mutable tags. */
export interface NodeInfo {
  id: string;
  kind: NodeKind;
  nodeType: string;
  seqId: number;
  /** Address on the workspace network; undefined while the node is not running. */
  ip: string | undefined;
  /** Provider state, e.g. `running`, `created`, `exited`. */
  state: string;
  running: boolean;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  tags: Record<string, string>;
  /** Resource limits actually applied (after clamping to the host). */
  limits: { cpus: number; memoryBytes: number };
}

/** When a node's container (or machine) last started, and how often its restart policy restarted it. */
export interface NodeStart {
  startedAt: number | undefined;
  restartCount: number;
}

export interface NodeLaunchRequest {
  kind: NodeKind;
  nodeType: string;
  /** The node type's `node_config`. */
  nodeConfig: Record<string, unknown>;
  /** Image reference the node runs. */
  image: string;
  /** Hash of the launch config, stored as {@link TAG.launchConfig}. */
  launchHash: string;
  count: number;
  /** Host folders or sockets bind-mounted into the node at the same path (the head's view of the host). */
  hostMounts?: string[];
}

/** Where nodes of one cluster come from. Every call is scoped to that cluster. */
export interface NodeProvider {
  readonly clusterName: string;
  readonly workspaceName: string;
  /** Nodes that are not terminated (running or stopped but present). */
  listNodes(filter?: { kind?: NodeKind; nodeType?: string }): Promise<NodeInfo[]>;
  createNodes(request: NodeLaunchRequest, sink: EventSink): Promise<NodeInfo[]>;
  terminateNodes(ids: string[], sink: EventSink): Promise<void>;
  /** Start stopped nodes again (their disks and setup kept); nodes that already run are left alone. */
  startNodes(ids: string[], sink: EventSink): Promise<void>;
  /** When each of these nodes last started (nodes that are gone are left out). */
  nodeStarts(ids: string[]): Promise<Map<string, NodeStart>>;
  /** Stop a node abruptly, as a crash would (it stays listed, not running). */
  killNode(id: string): Promise<void>;
  /** Merge mutable tags into a node's tags (kept outside the immutable labels). */
  setTags(id: string, tags: Record<string, string>): Promise<void>;
  commandRunner(node: NodeInfo): CommandRunner;
  /** Remove what the cluster left behind (state, data-disk folders) once no node is left. */
  cleanupCluster(): Promise<void>;
  /** Run `fn` while holding the cluster's operation lock (one start or stop at a time). */
  withClusterLock<T>(sink: EventSink, fn: () => Promise<T>): Promise<T>;
}
