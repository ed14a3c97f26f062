/**
 * What `cloudtik start` does, decided before it acts: the images the cluster runs, each node
 * type's image and launch hash, the head to create when none is kept, what the cluster needs
 * besides its nodes, which head stays, and what the result reports. Pure: the start flow
 * (src/core/cluster/start.ts) lists the nodes and acts on these plans.
 */
import { packageUrlOf } from '../../config/built-in-commands.js';
import type { ClusterConfig, NodeTypeConfig } from '../../config/types.js';
import {
  TAG,
  type ClusterSupportSpec,
  type InstallAheadRequest,
  type NodeInfo,
  type NodeKind,
  type NodeLaunchRequest,
} from '../../providers/provider.js';
import { imageCarryingAll, runtimeImages } from '../../runtimes/images.js';
import { launchHash, runtimeSectionOf } from '../updater/hashes.js';

/** One node type as the start runs it. */
export interface PlannedType {
  nodeType: string;
  image: string;
  /** The `cloudtik-launch-config` hash a current node of this type carries. */
  launchHash: string;
}

export interface StartPlan {
  head: PlannedType;
  /** Every type but the head's, in the config's order. */
  workers: PlannedType[];
  /** The images to build or check first, once each (the head's first). */
  images: string[];
  /** The head to create when no current one is kept; undefined when the head's type is not defined. */
  headRequest: NodeLaunchRequest | undefined;
  /** What the cluster needs besides its nodes: the head's image; each worker type's image, folders and limits. */
  support: ClusterSupportSpec;
}

/** The image of clusters without runtimes (the built-in default of `docker.image`). */
export const DEFAULT_IMAGE = 'cloudtik/cloudtik';

/** The image a node of this kind and type runs, with the package version as the default tag. */
export function nodeImage(config: ClusterConfig, node: { kind: NodeKind; nodeType: string }, version: string): string {
  const d = config.docker;
  const typed = config.available_node_types[node.nodeType]?.docker;
  const explicit = (node.kind === 'head' ? d.head_image : (typed?.worker_image ?? d.worker_image)) ?? d.image;
  let name = explicit ?? DEFAULT_IMAGE;
  if (explicit === undefined) {
    // No image named: a node with runtimes runs the image that carries all their engines (config
    // loading refuses runtimes that no one image carries together).
    const choice = imageCarryingAll(runtimeImages(runtimeSectionOf(config, node).types ?? []));
    if ('image' in choice && choice.image) name = choice.image;
  }
  return withDefaultTag(name, version);
}

export function withDefaultTag(image: string, version: string): string {
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') ? image : `${image}:${version}`;
}

function plannedType(config: ClusterConfig, kind: NodeKind, nodeType: string, version: string): PlannedType {
  const image = nodeImage(config, { kind, nodeType }, version);
  return { nodeType, image, launchHash: launchHash(config, nodeType, image) };
}

/** Plan a start of `config` with the package `version` (the default tag of node images). */
export function planStart(config: ClusterConfig, version: string): StartPlan {
  const headType = config.head_node_type;
  const head = plannedType(config, 'head', headType, version);
  const workers = Object.keys(config.available_node_types)
    .filter((t) => t !== headType)
    .map((t) => plannedType(config, 'worker', t, version));
  const headTypeConfig = config.available_node_types[headType];
  return {
    head,
    workers,
    images: [...new Set([head.image, ...workers.map((w) => w.image)])],
    headRequest: headTypeConfig && {
      kind: 'head',
      nodeType: headType,
      nodeConfig: headTypeConfig.node_config,
      image: head.image,
      launchHash: head.launchHash,
      count: 1,
      hostMounts: headHostMounts(config),
    },
    support: {
      image: head.image,
      workers: workers.map((w) => ({
        nodeType: w.nodeType,
        nodeConfig: config.available_node_types[w.nodeType]?.node_config ?? {},
        image: w.image,
      })),
    },
  };
}

/** The planned image of a node of this kind and type (a programmer error for a type not planned). */
export function plannedImage(plan: StartPlan, kind: NodeKind, nodeType: string): string {
  return plannedOf(plan, kind, nodeType).image;
}

/** The planned launch hash of a node of this kind and type. */
export function plannedLaunchHash(plan: StartPlan, kind: NodeKind, nodeType: string): string {
  return plannedOf(plan, kind, nodeType).launchHash;
}

function plannedOf(plan: StartPlan, kind: NodeKind, nodeType: string): PlannedType {
  const found = kind === 'head' ? plan.head : plan.workers.find((w) => w.nodeType === nodeType);
  if (!found || found.nodeType !== nodeType) throw new Error(`${kind} node type ${nodeType} is not in the start plan`);
  return found;
}

/**
 * Host paths the head mounts at the same path: every folder workers mount (its controller makes
 * their folders). Not the engine's socket: the head reaches the engine through the cluster's gate.
 */
export function headHostMounts(config: ClusterConfig): string[] {
  const mounts = new Set<string>();
  for (const t of Object.values(config.available_node_types)) {
    for (const d of [...(t.node_config.data_disks ?? []), ...(t.node_config.data_dirs ?? [])]) mounts.add(d);
  }
  return [...mounts];
}

export interface HeadPlan {
  /** The head to keep, if a current one exists. */
  head: NodeInfo | undefined;
  /** The kept head is stopped but finished its setup before: it is started again, with its data. */
  resume: boolean;
  /** Heads that are dead, outdated or surplus. */
  terminate: NodeInfo[];
}

/**
 * Which head stays: the first running one whose type and launch hash match the config, else the
 * first such one that is stopped after a finished setup (an engine restart, `docker stop`): it is
 * started again rather than replaced, so what its disks hold survives. Workers are the
 * controller's business: it adopts them, starts stopped ones, replaces outdated ones and launches
 * the rest.
 */
export function planHead(config: ClusterConfig, nodes: NodeInfo[], headHash: string): HeadPlan {
  const heads = nodes.filter((n) => n.kind === 'head');
  const current = (h: NodeInfo): boolean =>
    h.nodeType === config.head_node_type && h.tags[TAG.launchConfig] === headHash;
  const resumable = (h: NodeInfo): boolean =>
    !h.running && h.tags[TAG.nodeStatus] === 'up-to-date' && h.tags[TAG.killed] === undefined;
  const head = heads.find((h) => current(h) && h.running) ?? heads.find((h) => current(h) && resumable(h));
  return { head, resume: head !== undefined && !head.running, terminate: heads.filter((h) => h !== head) };
}

/** The workers a start made: those listed after it that were not there before it. */
export function newWorkers(before: readonly NodeInfo[], after: readonly NodeInfo[]): NodeInfo[] {
  const known = new Set(before.map((n) => n.id));
  return after.filter((n) => n.kind === 'worker' && !known.has(n.id));
}

/** The workers a new cluster's controller launches first: each worker type's min_workers (within max_workers). */
export function firstWorkers(
  config: ClusterConfig,
  workerTypes: readonly string[],
): { nodeType: string; type: NodeTypeConfig; count: number }[] {
  return workerTypes.flatMap((nodeType) => {
    const type = config.available_node_types[nodeType] as NodeTypeConfig; // workerTypes are its keys
    const count = Math.min(type.min_workers, type.max_workers);
    return count > 0 ? [{ nodeType, type, count }] : [];
  });
}

/** The machines a new cluster's first workers will take, to install their software on ahead (see installWorkersAhead). */
export function installAheadRequests(config: ClusterConfig, plan: StartPlan): InstallAheadRequest[] {
  const workerTypes = plan.workers.map((w) => w.nodeType);
  return firstWorkers(config, workerTypes).map(({ nodeType, type, count }) => {
    const runtimes = runtimeSectionOf(config, { kind: 'worker', nodeType }).types ?? [];
    const image = plannedImage(plan, 'worker', nodeType);
    return { nodeType, nodeConfig: type.node_config, count, runtimes, packageUrl: packageUrlOf(config), image };
  });
}

/**
 * The workers created with a new head (see launchWorkersWithHead): its first workers less those
 * the cluster has already, with the image and launch hash the controller's own launches give.
 */
export function withHeadRequests(
  config: ClusterConfig,
  plan: StartPlan,
  existing: readonly Pick<NodeInfo, 'nodeType' | 'seqId'>[],
): NodeLaunchRequest[] {
  const workerTypes = plan.workers.map((w) => w.nodeType);
  // Numbered after the head (1) and the workers there are, one launch after the other.
  let seqIdFrom = Math.max(1, ...existing.map((w) => w.seqId)) + 1;
  return firstWorkers(config, workerTypes).flatMap(({ nodeType, type, count }) => {
    const missing = count - existing.filter((w) => w.nodeType === nodeType).length;
    if (missing <= 0) return [];
    const image = plannedImage(plan, 'worker', nodeType);
    const launchHash = plannedLaunchHash(plan, 'worker', nodeType);
    const request = { kind: 'worker' as const, nodeType, nodeConfig: type.node_config, image, launchHash };
    seqIdFrom += missing;
    return [{ ...request, count: missing, seqIdFrom: seqIdFrom - missing }];
  });
}
