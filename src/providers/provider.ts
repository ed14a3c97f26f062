import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../config/env.js';
import type { AuthConfig, ClusterConfig, DockerConfig, ProviderConfig } from '../config/types.js';
import type { CommandRunner } from '../core/command/runner.js';
import type { CoreEvent, EventSink } from '../core/events.js';

export type NodeKind = 'head' | 'worker';

/**
 * Where a head finds its cluster's state folder (bootstrap, secrets) unless `CLOUDTIK_STATE_DIR`
 * says otherwise: providers put it there (the virtual provider mounts the local one).
 */
export const HEAD_STATE_DIR = '/cloudtik/state';

/** Folder of the cluster's state as the head sees it: `CLOUDTIK_STATE_DIR`, else {@link HEAD_STATE_DIR}. */
export function headStateDir(): string {
  return env.headStateDir() ?? HEAD_STATE_DIR;
}

/** A file of the cluster's state, as the head gets it (see NodeProvider.clusterStateFiles). */
export interface StateFile {
  name: string;
  content: string | Buffer;
}

/** The `.json` files of a cluster's state folder (its config and secrets). */
export async function stateJsonFiles(stateDir: string): Promise<StateFile[]> {
  const names = (await fsp.readdir(stateDir)).filter((f) => f.endsWith('.json'));
  return Promise.all(names.map(async (name) => ({ name, content: await fsp.readFile(path.join(stateDir, name)) })));
}

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
  /** A short hash of each input of its last setup and its launch (see inputParts): plans name what changed. */
  setupInputs: 'cloudtik-setup-inputs',
} as const;

/** Labels holding the resource limits a node got (after clamping), read back when it is listed. */
export const LIMIT_LABEL = { cpus: 'cloudtik-cpus', memory: 'cloudtik-memory' } as const;

/** What a new node is labelled with at creation: CloudTik's immutable tags and its limits. */
export function creationLabels(n: {
  workspace: string;
  cluster: string;
  kind: NodeKind;
  nodeType: string;
  launchHash: string;
  seqId: number;
  limits: { cpus: number; memoryBytes: number };
}): Record<string, string> {
  return {
    [TAG.workspace]: n.workspace,
    [TAG.cluster]: n.cluster,
    [TAG.nodeKind]: n.kind,
    [TAG.nodeType]: n.nodeType,
    [TAG.nodeName]: `cloudtik-${n.cluster}-${n.kind}`,
    [TAG.nodeStatus]: 'uninitialized',
    [TAG.launchConfig]: n.launchHash,
    [TAG.seqId]: String(n.seqId),
    [LIMIT_LABEL.cpus]: String(n.limits.cpus),
    [LIMIT_LABEL.memory]: String(n.limits.memoryBytes),
  };
}

/** Node statuses kept in the {@link TAG.nodeStatus} tag, in updater order. */
export type NodeStatus =
  'uninitialized' | 'waiting-for-ssh' | 'syncing-files' | 'setting-up' | 'up-to-date' | 'update-failed';

/**
 * The states of a node that exists but has not run yet: a Docker container created and not
 * started, a Kubernetes pod not scheduled or whose container is still being made (its image
 * pulled, its volumes mounted).
 */
export const STARTING_STATES: ReadonlySet<string> = new Set(['created', 'pending']);

/** A node as listed from the provider: creation labels merged with mutable tags. */
export interface NodeInfo {
  id: string;
  kind: NodeKind;
  nodeType: string;
  seqId: number;
  /** Address on the workspace network; undefined while the node is not running. */
  ip: string | undefined;
  /** Provider state, e.g. `running`, `created`, `exited`, `pending` (see STARTING_STATES). */
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
  /**
   * Told the ids as soon as the nodes exist, by providers whose launch then waits for them to run
   * (a pod may wait minutes for its image): the controller leaves them alone meanwhile.
   */
  onCreated?: (ids: readonly string[]) => void;
  /**
   * The seq id of the launch's first node (the rest follow it), where the caller knows every node
   * of the cluster (a new cluster's first workers): a provider that picks seq ids from a listing
   * of its nodes need not list them.
   */
  seqIdFrom?: number;
}

/** CPUs and memory (bytes) a node of this provider can get at most. */
export interface HostResources {
  cpus: number;
  memoryBytes: number;
}

/**
 * What a cluster needs besides its nodes, made before its head starts (the virtual provider's
 * Docker gate): the head's image, and each worker type the head's controller may launch.
 */
export interface ClusterSupportSpec {
  image: string;
  workers: Omit<NodeLaunchRequest, 'count' | 'kind' | 'launchHash'>[];
}

/** Words of a provider that end up in messages: hints on failures and warnings on configs. */
export interface ProviderHints {
  /** How to look at a node that does not answer (for example `docker logs <id>`). */
  inspectNode(nodeId: string): string;
  /** Progress label of {@link NodeProvider.prepareCluster}. */
  clusterSupport: string;
  /** Warnings about config keys this provider does not apply. */
  configWarnings(config: ClusterConfig): string[];
}

/** What {@link NodeProvider.prepareNode} knows of the node it prepares. */
export interface PrepareNodeContext {
  runner: CommandRunner;
  /** The node type's `node_config` (data disks ...). */
  nodeConfig: Record<string, unknown>;
  /** Runtimes the node runs. */
  runtimes: readonly string[];
  /** `cloudtik_package_url`, when the config sets one. */
  packageUrl?: string;
  sink: EventSink;
  signal?: AbortSignal;
}

/** Machines {@link NodeProvider.installAhead} readies: those the next `count` launches of a node type would take. */
export interface InstallAheadRequest {
  nodeType: string;
  nodeConfig: Record<string, unknown>;
  count: number;
  /** Runtimes those nodes run. */
  runtimes: readonly string[];
  /** `cloudtik_package_url`, when the config sets one. */
  packageUrl?: string;
  /** The image those nodes run, where they run one (containers on hosts). */
  image?: string;
}

/** What {@link NodeProvider.retryTeardowns} found: machines cleaned up now, and those still silent. */
export interface TeardownRetry {
  stopped: string[];
  unanswered: string[];
}

/** The cluster's nodes as a provider follows them (see NodeProvider.followNodes). */
export interface NodesView {
  /** The nodes as last seen, as listNodes gives them; undefined once the view no longer follows them. */
  nodes(filter?: { kind?: NodeKind }): NodeInfo[] | undefined;
  /** Call `listener` at each change, and once the view stops following; returns how to stop. */
  onChange(listener: () => void): () => void;
  close(): void;
}

/** Where nodes of one cluster come from. Every call is scoped to that cluster. */
export interface NodeProvider {
  readonly clusterName: string;
  readonly workspaceName: string;
  /** Its module's {@link ProviderModule.hints}, for messages about its nodes. */
  readonly hints?: ProviderHints;
  /**
   * Terminating a node discards it whole: every process it ran and its disks go with it (a
   * container, a pod without kept claims). A stop of the whole cluster then gives its services no
   * grace, as nothing they would save is kept. Unset where nodes outlive the cluster (listed hosts).
   */
  readonly discardsNodes?: boolean;
  /**
   * A node never starts again with the files it had (a pod: its container, when started again,
   * gets a new file system): its start saves no resume script for its boot (see
   * src/core/updater/resume.ts), a write through sudo on the way up of every node.
   */
  readonly nodesNeverResume?: boolean;
  /**
   * A new cluster's start creates its min_workers while the head is set up, tagged as the head's
   * controller tags its launches, and the controller only sets them up. For providers whose
   * launch is a few quick requests and whose controller is slow to make its first one (pods).
   */
  readonly launchesWorkersWithHead?: boolean;
  /** Nodes that are not terminated (running or stopped but present). */
  listNodes(filter?: { kind?: NodeKind; nodeType?: string }): Promise<NodeInfo[]>;
  /**
   * A live view of the cluster's nodes, for a wait that looks at them again and again (where
   * listing is a request to an API each time); without it, such waits list them.
   */
  followNodes?(): Promise<NodesView>;
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
  /**
   * The files a head that does not see the cluster's state folder gets (virtual heads mount it;
   * pods and hosts do not): its `.json` files (the controller's config, the secrets) and what else
   * the provider's controller needs. `start` installs them in {@link HEAD_STATE_DIR}, the node
   * user's, after it rewrote the folder, in the call that runs the head's start commands.
   */
  clusterStateFiles?(head: NodeInfo, stateDir: string): Promise<StateFile[]>;
  /** Remove what the cluster left behind (state, data-disk folders) once no node is left. */
  cleanupCluster(): Promise<void>;
  /** Run `fn` while holding the cluster's operation lock (one start or stop at a time). */
  withClusterLock<T>(sink: EventSink, fn: () => Promise<T>): Promise<T>;
  /**
   * Make a node ready for its setup commands, when its provider hands out machines that are not
   * made for it (listed hosts: data disks, and the software a node image carries).
   */
  prepareNode?(node: NodeInfo, context: PrepareNodeContext): Promise<void>;
  /**
   * Install what {@link prepareNode} would on the machines the next launches would take, without
   * taking them: a new cluster's start does it while its head is set up, so that the workers its
   * head launches then find their software in place. Best effort: a failure is a warning, and the
   * setup at launch does whatever this left undone.
   */
  installAhead?(requests: readonly InstallAheadRequest[], sink: EventSink, signal?: AbortSignal): Promise<void>;
  /**
   * Try again to stop what the cluster ran on machines it gave back while they did not answer
   * (listed hosts); which answered now, and which still do not.
   */
  retryTeardowns?(sink: EventSink): Promise<TeardownRetry>;
  /** Make what the cluster needs besides its nodes, if anything; says whether it was made now. */
  prepareCluster?(spec: ClusterSupportSpec, sink: EventSink): Promise<{ created: boolean }>;
  /** Remove what {@link prepareCluster} made (after the cluster's last node). */
  releaseCluster?(): Promise<void>;
}

/** One cluster, as a provider module is asked about it. */
export interface ClusterRef {
  workspaceName: string;
  clusterName: string;
  /** Local folder of the cluster's state (state file, secrets; its lock sits beside it). */
  stateDir: string;
  /** The user commands run as on the nodes. */
  sshUser: string;
  /** What nodes can get, when the caller was told (the head's controller is, by `start`). */
  host?: HostResources;
  /** The config's `provider` section (listed hosts, instance types ...), when there is a config. */
  provider?: ProviderConfig;
  /** The config's `auth` section (how to reach hosts over SSH), when there is a config. */
  auth?: AuthConfig;
  /** The config's `docker` section (nodes in containers on hosts), when there is a config. */
  docker?: DockerConfig;
}

/** A workspace as its provider lists it. */
export interface WorkspaceInfo {
  name: string;
  /** What the workspace's nodes reach each other on (virtual: the Docker network). */
  network: string;
  bridge?: string;
  subnet?: string;
  gateway?: string;
  createdAt?: string;
}

/** A cluster found in a workspace: its name and how many nodes of each kind it has. */
export interface ClusterSummary {
  name: string;
  head: number;
  workers: number;
  running: number;
}

/** Workspaces of one provider: what clusters share (the virtual provider's Docker network). */
export interface WorkspaceProvider {
  create(name: string): Promise<{ created: boolean; info: WorkspaceInfo }>;
  get(name: string): Promise<WorkspaceInfo | undefined>;
  list(): Promise<WorkspaceInfo[]>;
  clusters(name: string): Promise<ClusterSummary[]>;
  /** Remove an empty workspace; false when there was none. */
  remove(name: string): Promise<boolean>;
}

/** Makes the command runner of a node of one cluster. */
export type CommandRunnerFactory = (node: NodeInfo) => CommandRunner;

/** A node image as `image list` shows it. */
export interface NodeImageRow {
  name: string;
  tag: string;
  id: string;
  /** Hash of what the image was built from, when cloudtik built it. */
  hash?: string;
  sizeBytes: number;
  createdAt: string;
}

export interface ImageBuildOptions {
  /** Build only this image and the ones under it (default: all). */
  image?: string;
  rebuild: boolean;
  noCache: boolean;
  /** Build on another OS image, tagged `<version>-<variant>`. */
  variant?: { name: string; osImage: string };
  sink: (event: CoreEvent) => void;
  signal?: AbortSignal;
}

export interface ImageBuildResult {
  ref: string;
  action: string;
  id: string;
  sizeBytes: number;
  ms: number;
}

/** Node images of a provider whose nodes run images it can make (`cloudtik image build|list`). */
export interface ImageBuilder {
  /** Make sure the images `refs` are there: build the missing ones cloudtik knows; never pull. */
  ensure(refs: string[], sink: EventSink): Promise<void>;
  /** Of `refs`, those {@link ensure} would build (`buildable`) or refuse; only looks. */
  missing?(refs: string[]): Promise<{ ref: string; buildable: boolean }[]>;
  list(): Promise<NodeImageRow[]>;
  build(options: ImageBuildOptions): Promise<ImageBuildResult[]>;
}

/**
 * What a command a provider's nodes run (`cloudtik node <name>`, hidden, declared in the CLI) does:
 * its options as parsed, and a signal that says stop.
 */
export type ProviderNodeCommand = (opts: Record<string, unknown>, signal: AbortSignal) => Promise<void>;

/**
 * What a provider gives the core, loaded lazily by `provider.type` (see registry.ts). Adding a
 * provider is a folder under src/providers/ with an index.ts exporting `provider`, and a line in
 * the registry.
 */
export interface ProviderModule {
  readonly type: string;
  nodeProvider(cluster: ClusterRef): Promise<NodeProvider>;
  /** Its workspaces; `section` is the config's provider section, when there is a config (where its workspaces are kept). */
  workspaces(section?: ProviderConfig): Promise<WorkspaceProvider>;
  commandRunners(cluster: ClusterRef): Promise<CommandRunnerFactory>;
  /** What a node can get at most; one answer for the CLI, the config and the controller. */
  hostResources(section?: ProviderConfig): Promise<HostResources>;
  readonly hints: ProviderHints;
  /** Seconds a new node may take to be ready, its first setup included (default 120). */
  readonly nodeStartWaitSeconds?: number;
  readonly images?: ImageBuilder;
  /** Commands its nodes run, by name (the virtual provider's gate container runs `docker-gate`). */
  readonly nodeCommands?: Readonly<Record<string, ProviderNodeCommand>>;
  /** What `cloudtik gc` looks at and removes, where the provider keeps nodes itself (containers). */
  readonly leftovers?: LeftoverSource;
  /** What `cloudtik gc` looks at and gives back, where a service hands out hosts (a host pool). */
  readonly heldHosts?: HeldHostSource;
}

/** A host a pool holds for a cluster (tagged with its names). */
export interface HeldHost {
  id: string;
  workspace: string;
  cluster: string;
  kind: string;
}

export interface HeldHostSource {
  /** The pool's address, the hosts it holds for clusters and its workspaces; undefined when no pool is known. */
  look(): Promise<{ where: string; hosts: HeldHost[]; workspaces: string[] } | undefined>;
  /** Give hosts back to the pool as possibly still running their cluster's services (the next taker clears them). */
  release(hosts: readonly HeldHost[]): Promise<void>;
}

/** A node or cluster-support container that carries our labels. */
export interface LabelledContainer {
  id: string;
  name: string;
  workspace: string;
  cluster: string;
  /** `head`, `worker`, or the provider's own kind (the virtual provider's `gate`). */
  kind: string;
  /** Host paths bound into it (they tell whose local state the cluster has). */
  mounts: string[];
}

export interface LeftoverSource {
  /** Every container with our workspace and cluster labels. */
  containers(): Promise<LabelledContainer[]>;
  /** The workspaces that exist (by their labels). */
  workspaces(): Promise<string[]>;
  removeContainer(id: string): Promise<void>;
}
