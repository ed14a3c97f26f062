import { env } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import { TAG, type NodeInfo, type NodeKind } from '../../providers/provider.js';
import { packageVersion } from '../../version.js';
import { CloudtikError } from '../errors.js';
import { logEvent, timedStep, type EventSink } from '../events.js';
import { fileMountsContentsHash, launchHash, runtimeHash } from '../updater/hashes.js';
import { updateNode, type NodeUpdateResult, type UpdateMode } from '../updater/node-updater.js';
import { nodeImage, openCluster } from './context.js';
import { ensureClusterImages } from './images.js';

export interface StartOptions {
  config: ClusterConfig;
  mode: UpdateMode;
  sink: EventSink;
  signal?: AbortSignal;
}

export interface StartResult {
  cluster: string;
  workspace: string;
  head: NodeInfo;
  workers: NodeInfo[];
  created: { head: boolean; workers: number };
  terminated: string[];
  updates: NodeUpdateResult[];
  /** Milliseconds per step (`images`, `nodes`, `update`, `total`). */
  timings: Record<string, number>;
}

interface Plan {
  head: NodeInfo | undefined;
  keepWorkers: NodeInfo[];
  terminate: NodeInfo[];
  launches: { nodeType: string; count: number }[];
}

/** Decide which nodes stay, which go and what to launch, from the listed nodes and the config. */
export function planNodes(
  config: ClusterConfig,
  nodes: NodeInfo[],
  hashes: (kind: NodeKind, nodeType: string) => string,
): Plan {
  const terminate: NodeInfo[] = [];
  const alive = nodes.filter((n) => {
    if (n.running) return true;
    terminate.push(n);
    return false;
  });
  const heads = alive.filter((n) => n.kind === 'head');
  let head: NodeInfo | undefined;
  for (const h of heads) {
    const current =
      h.nodeType === config.head_node_type && h.tags[TAG.launchConfig] === hashes('head', config.head_node_type);
    if (current && head === undefined) head = h;
    else terminate.push(h);
  }
  const keepWorkers: NodeInfo[] = [];
  const launches: { nodeType: string; count: number }[] = [];
  const workers = alive.filter((n) => n.kind === 'worker');
  for (const [name, type] of Object.entries(config.available_node_types)) {
    if (name === config.head_node_type) continue;
    const ofType = workers.filter((w) => w.nodeType === name);
    const current = ofType.filter((w) => w.tags[TAG.launchConfig] === hashes('worker', name));
    terminate.push(...ofType.filter((w) => !current.includes(w)));
    const max = Math.min(type.max_workers, config.max_workers);
    keepWorkers.push(...current.slice(0, Math.max(max, type.min_workers)));
    terminate.push(...current.slice(Math.max(max, type.min_workers)));
    const missing = type.min_workers - Math.min(current.length, Math.max(max, type.min_workers));
    if (missing > 0) launches.push({ nodeType: name, count: missing });
  }
  // Workers of a type the config no longer has are outdated too.
  const known = new Set(Object.keys(config.available_node_types));
  terminate.push(...workers.filter((w) => !known.has(w.nodeType)));
  return { head, keepWorkers, terminate, launches };
}

/**
 * Create or update a cluster: one head and `min_workers` workers per type, all brought to
 * `up-to-date` in parallel. Safe to re-run at any point: it converges, and two runs at once
 * serialise on the cluster lock, so there is exactly one head.
 */
export async function startCluster(options: StartOptions): Promise<StartResult> {
  const { config, sink } = options;
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const ctx = await openCluster(config);
  const version = packageVersion();
  const imageOf = (kind: NodeKind, nodeType: string): string => nodeImage(config, { kind, nodeType }, version);
  const workerTypes = Object.keys(config.available_node_types).filter((t) => t !== config.head_node_type);
  const images = [
    ...new Set([imageOf('head', config.head_node_type), ...workerTypes.map((t) => imageOf('worker', t))]),
  ];
  let t = performance.now();
  await timedStep(sink, 'images', 'Node images', () => ensureClusterImages(ctx, images, sink));
  timings.images = Math.round(performance.now() - t);

  const ignored = (['run_options', 'head_run_options', 'worker_run_options'] as const).filter(
    (k) => (config.docker[k]?.length ?? 0) > 0,
  );
  if (ignored.length > 0) {
    logEvent(
      sink,
      'warn',
      `docker.${ignored.join(', docker.')} ${ignored.length > 1 ? 'are' : 'is'} not applied by the virtual provider (its nodes are the containers)`,
    );
  }
  const hashes = (kind: NodeKind, nodeType: string): string => launchHash(config, nodeType, imageOf(kind, nodeType));
  const fileMountsHash = await fileMountsContentsHash(config.file_mounts);

  return ctx.provider.withClusterLock(sink, async () => {
    t = performance.now();
    const nodes = await ctx.provider.listNodes();
    const plan = planNodes(config, nodes, hashes);
    if (plan.terminate.length > 0) {
      await timedStep(sink, 'terminate', `Remove ${plan.terminate.length} outdated or dead node(s)`, () =>
        ctx.provider.terminateNodes(
          plan.terminate.map((n) => n.id),
          sink,
        ),
      );
    }
    const headType = config.head_node_type;
    const headTypeConfig = config.available_node_types[headType];
    if (!headTypeConfig) throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `head node type ${headType} is not defined`);
    const launchWorkers = (): Promise<NodeInfo[][]> =>
      Promise.all(
        plan.launches.map((l) =>
          ctx.provider.createNodes(
            {
              kind: 'worker',
              nodeType: l.nodeType,
              nodeConfig: config.available_node_types[l.nodeType]?.node_config ?? {},
              image: imageOf('worker', l.nodeType),
              launchHash: hashes('worker', l.nodeType),
              count: l.count,
            },
            sink,
          ),
        ),
      );
    const launchHead = async (): Promise<NodeInfo> => {
      if (plan.head) return plan.head;
      const [head] = await ctx.provider.createNodes(
        {
          kind: 'head',
          nodeType: headType,
          nodeConfig: headTypeConfig.node_config,
          image: imageOf('head', headType),
          launchHash: hashes('head', headType),
          count: 1,
        },
        sink,
      );
      if (!head) throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', 'the head node was not created');
      return head;
    };
    const workerCount = plan.launches.reduce((sum, l) => sum + l.count, 0);
    const [head, newWorkerGroups] = await timedStep(
      sink,
      'nodes',
      plan.head && workerCount === 0 ? 'Nodes exist' : `Launch ${plan.head ? '' : 'head + '}${workerCount} worker(s)`,
      () => Promise.all([launchHead(), launchWorkers()]),
    );
    timings.nodes = Math.round(performance.now() - t);
    const newWorkers = newWorkerGroups.flat();
    const workers = [...plan.keepWorkers, ...newWorkers];
    if (!head.ip)
      throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `head node ${head.id} has no address on the workspace network`);
    const headIp = head.ip;

    t = performance.now();
    const readyTimeoutMs = env.nodeStartWaitSeconds() * 1000;
    const toUpdate = [
      head,
      ...workers.filter(
        (w) =>
          w.tags[TAG.nodeStatus] !== 'up-to-date' ||
          w.tags[TAG.runtimeConfig] !== runtimeHash(config, 'worker', w.nodeType) ||
          w.tags[TAG.fileMountsContents] !== fileMountsHash ||
          newWorkers.includes(w) ||
          // A new head has a new address: workers run their start commands again to find it.
          plan.head === undefined,
      ),
    ];
    const settled = await Promise.allSettled(
      toUpdate.map((node) =>
        updateNode({
          provider: ctx.provider,
          node,
          config,
          headIp,
          mode: node.kind === 'head' || !newWorkers.includes(node) ? options.mode : 'full',
          runtimeHash: runtimeHash(config, node.kind, node.nodeType),
          fileMountsHash,
          sink,
          signal: options.signal,
          readyTimeoutMs,
        }),
      ),
    );
    timings.update = Math.round(performance.now() - t);
    const failures = settled
      .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
      .map((s) => s.reason as unknown);
    if (failures.length > 0) {
      const first = failures[0];
      if (failures.length > 1) logEvent(sink, 'warn', `${failures.length} nodes failed to update`);
      throw first instanceof Error ? first : new Error(String(first));
    }
    timings.total = Math.round(performance.now() - t0);
    const final = await ctx.provider.listNodes();
    return {
      cluster: config.cluster_name,
      workspace: config.workspace_name,
      head: final.find((n) => n.id === head.id) ?? head,
      workers: final.filter((n) => n.kind === 'worker'),
      created: { head: plan.head === undefined, workers: newWorkers.length },
      terminated: plan.terminate.map((n) => n.id),
      updates: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
      timings,
    };
  });
}
