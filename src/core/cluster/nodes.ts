import pLimit from 'p-limit';
import type { ClusterConfig } from '../../config/types.js';
import { TAG, type NodeInfo, type NodeStart } from '../../providers/provider.js';
import { systemClock, type Clock } from '../clock.js';
import { waitFor } from '../deadline.js';
import { CloudtikError } from '../errors.js';
import { nullSink, type EventSink } from '../events.js';
import { nodeEnvironment } from '../updater/node-updater.js';
import { openCluster, type ClusterContext } from './context.js';
import { runtimeEndpoints, type Endpoint } from './runtimes.js';
import { runStopCommands } from './stop.js';
import { waitForWorkers } from './wait.js';

export interface NodeSelection {
  /** A node's IP (or its id). */
  nodeIp?: string;
  allNodes?: boolean;
}

export interface NodeRow {
  id: string;
  kind: 'head' | 'worker';
  nodeType: string;
  ip: string | undefined;
  state: string;
  status: string;
  seqId: number;
  createdAt: number;
  cpus: number;
  memoryBytes: number;
  /** When the node's container started again after its setup (engine restart, a stopped node started again, ...). */
  restartedAt?: number;
  /** Restarts by the container's restart policy (the engine's own count; an engine restart is not one). */
  restartCount?: number;
}

/**
 * When a running node was restarted: its container started after its setup last ran (the
 * `cloudtik-node-setup-at` tag), so its boot resumed it (an engine or host restart, its main process
 * died, it was stopped and started again). Nodes without that tag count as restarted when the
 * engine's restart policy restarted them. Pure.
 */
export function restartedAt(node: NodeInfo, start: NodeStart | undefined): number | undefined {
  if (!node.running || start?.startedAt === undefined) return undefined;
  const setupAt = Number(node.tags[TAG.setupAt] ?? NaN);
  if (setupAt > 0) return start.startedAt > setupAt ? start.startedAt : undefined;
  return start.restartCount > 0 ? start.startedAt : undefined;
}

export function toRow(n: NodeInfo, start?: NodeStart): NodeRow {
  const restarted = start ? { restartedAt: restartedAt(n, start), restartCount: start.restartCount } : {};
  return {
    id: n.id,
    kind: n.kind,
    nodeType: n.nodeType,
    ip: n.ip,
    state: n.state,
    status: n.running ? (n.tags[TAG.nodeStatus] ?? 'unknown') : n.state,
    seqId: n.seqId,
    createdAt: n.createdAt,
    cpus: n.limits.cpus,
    memoryBytes: n.limits.memoryBytes,
    ...restarted,
  };
}

/** Nodes of the cluster, head first. Works without the workspace config. */
export async function listClusterNodes(config: ClusterConfig): Promise<NodeInfo[]> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  return ctx.provider.listNodes();
}

/** The nodes of the cluster as rows, with when each last started (for `status`). */
export async function clusterNodeRows(config: ClusterConfig): Promise<{ nodes: NodeInfo[]; rows: NodeRow[] }> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const nodes = await ctx.provider.listNodes();
  const starts = await ctx.provider.nodeStarts(nodes.map((n) => n.id));
  return { nodes, rows: nodes.map((n) => toRow(n, starts.get(n.id))) };
}

/** The running head, or an error that says how to start the cluster. */
export function requireHead(config: ClusterConfig, nodes: NodeInfo[]): NodeInfo {
  const head = nodes.find((n) => n.kind === 'head' && n.running);
  if (!head) {
    throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `cluster ${config.cluster_name} has no running head node`, {
      hint: 'start it with: cloudtik start <cluster.yaml>',
    });
  }
  return head;
}

/** Pick target nodes: the head by default, one node by IP or id, or all running nodes. */
export function selectNodes(config: ClusterConfig, nodes: NodeInfo[], selection: NodeSelection): NodeInfo[] {
  const running = nodes.filter((n) => n.running);
  if (selection.allNodes) {
    if (running.length === 0) requireHead(config, nodes);
    return running;
  }
  if (selection.nodeIp !== undefined) {
    const node = running.find((n) => n.ip === selection.nodeIp || n.id === selection.nodeIp);
    if (!node) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_USAGE',
        `no running node of cluster ${config.cluster_name} has IP ${selection.nodeIp}`,
        {
          hint: `list the nodes with: cloudtik status <cluster.yaml>; addresses: ${running.map((n) => n.ip).join(', ') || 'none'}`,
        },
      );
    }
    return [node];
  }
  return [requireHead(config, nodes)];
}

export interface ExecOptions extends NodeSelection {
  command: string;
  parallel?: boolean;
  onOutput?: (node: NodeInfo, stream: 'stdout' | 'stderr', text: string) => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  node: string;
  ip: string | undefined;
  exitCode: number;
}

/** Run a shell command on the selected nodes with the cluster's environment. */
export async function execOnNodes(ctx: ClusterContext, options: ExecOptions): Promise<ExecResult[]> {
  const nodes = await ctx.provider.listNodes();
  const targets = selectNodes(ctx.config, nodes, options);
  const headIp = requireHead(ctx.config, nodes).ip ?? '';
  const limit = pLimit(options.parallel === false ? 1 : 16);
  return Promise.all(
    targets.map((node) =>
      limit(async () => {
        const r = await ctx.provider.commandRunner(node).run({
          command: options.command,
          env: nodeEnvironment(ctx.config, node, headIp),
          signal: options.signal,
          onStdout: (t) => options.onOutput?.(node, 'stdout', t),
          onStderr: (t) => options.onOutput?.(node, 'stderr', t),
        });
        return { node: node.id, ip: node.ip, exitCode: r.exitCode };
      }),
    ),
  );
}

/** Copy a local path to the selected nodes (head by default). */
export async function uploadToNodes(
  ctx: ClusterContext,
  options: NodeSelection & { source: string; target: string },
): Promise<string[]> {
  const targets = selectNodes(ctx.config, await ctx.provider.listNodes(), options);
  await Promise.all(targets.map((n) => ctx.provider.commandRunner(n).upload(options.source, options.target)));
  return targets.map((n) => n.id);
}

/** Copy a path from one node (head by default) to a local path. */
export async function downloadFromNode(
  ctx: ClusterContext,
  options: NodeSelection & { source: string; target: string },
): Promise<string> {
  const [node] = selectNodes(ctx.config, await ctx.provider.listNodes(), { nodeIp: options.nodeIp });
  if (!node) throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', 'no node selected');
  await ctx.provider.commandRunner(node).download(options.source, options.target);
  return node.id;
}

export interface ClusterInfo {
  cluster: string;
  workspace: string;
  headIp: string | undefined;
  nodes: { total: number; head: number; workers: number; upToDate: number; byType: Record<string, number> };
  /** Advertised resources (as configured), summed over running nodes. */
  resources: Record<string, number>;
  nodeTypes: Record<string, { minWorkers: number; maxWorkers: number; resources: Record<string, number> }>;
  maxWorkers: number;
  runtimes: string[];
  /** Web UIs and service addresses of the runtimes (empty while the head is not running). */
  endpoints: Endpoint[];
}

export function clusterInfo(config: ClusterConfig, nodes: NodeInfo[]): ClusterInfo {
  const running = nodes.filter((n) => n.running);
  const byType: Record<string, number> = {};
  const resources: Record<string, number> = {};
  for (const n of running) {
    byType[n.nodeType] = (byType[n.nodeType] ?? 0) + 1;
    for (const [k, v] of Object.entries(config.available_node_types[n.nodeType]?.resources ?? {})) {
      if (k === n.nodeType) continue;
      resources[k] = (resources[k] ?? 0) + v;
    }
  }
  const nodeTypes: ClusterInfo['nodeTypes'] = {};
  for (const [name, t] of Object.entries(config.available_node_types)) {
    nodeTypes[name] = { minWorkers: t.min_workers, maxWorkers: t.max_workers, resources: t.resources };
  }
  const headIp = running.find((n) => n.kind === 'head')?.ip;
  return {
    cluster: config.cluster_name,
    workspace: config.workspace_name,
    headIp,
    nodes: {
      total: running.length,
      head: running.filter((n) => n.kind === 'head').length,
      workers: running.filter((n) => n.kind === 'worker').length,
      upToDate: running.filter((n) => n.tags[TAG.nodeStatus] === 'up-to-date').length,
      byType,
    },
    resources,
    nodeTypes,
    maxWorkers: config.max_workers,
    runtimes: config.runtime.types,
    endpoints: headIp
      ? runtimeEndpoints(
          config,
          headIp,
          running.flatMap((n) => (n.kind === 'worker' && n.ip ? [n.ip] : [])),
        )
      : [],
  };
}

export interface WaitForReadyOptions {
  minWorkers?: number;
  timeoutMs: number;
  signal?: AbortSignal;
  sink?: EventSink;
  clock?: Clock;
}

/**
 * Wait until the head is up-to-date and, on the head's view, at least `minWorkers` workers have
 * joined (or each worker type its min_workers when `minWorkers` is not given).
 */
export async function waitForReady(ctx: ClusterContext, options: WaitForReadyOptions): Promise<NodeInfo[]> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + options.timeoutMs;
  const cluster = ctx.config.cluster_name;
  await waitFor(
    async () => {
      const nodes = await ctx.provider.listNodes({ kind: 'head' });
      return nodes.some((n) => n.running && n.tags[TAG.nodeStatus] === 'up-to-date') || undefined;
    },
    {
      what: `the head of cluster ${cluster} to be up-to-date`,
      ms: options.timeoutMs,
      pauseMs: 500,
      clock,
      signal: options.signal,
      expired: () =>
        new CloudtikError(
          'ERR_CLOUDTIK_TIMEOUT',
          `cluster ${cluster} not ready after ${Math.round(options.timeoutMs / 1000)} s: the head is not up-to-date`,
          { hint: 'see the node statuses with: cloudtik status <cluster.yaml>' },
        ),
    },
  );
  await waitForWorkers(ctx, {
    ...(options.minWorkers !== undefined ? { total: options.minWorkers } : {}),
    timeoutMs: Math.max(0, deadline - clock.now()),
    sink: options.sink ?? nullSink,
    signal: options.signal,
    clock,
  });
  return ctx.provider.listNodes();
}

/**
 * Kill a worker (the one with `ip`, else a random running one). Unless `hard`, its stop commands
 * run first, so its services leave cleanly; `hard` kills it as a crash would.
 */
export async function killNode(
  config: ClusterConfig,
  ip?: string,
  options: { hard?: boolean; sink?: EventSink } = {},
): Promise<NodeInfo> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const workers = (await ctx.provider.listNodes({ kind: 'worker' })).filter((n) => n.running);
  const node =
    ip !== undefined
      ? workers.find((n) => n.ip === ip || n.id === ip)
      : workers[Math.floor(Math.random() * workers.length)];
  if (!node) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_CLUSTER',
      ip !== undefined
        ? `no running worker of cluster ${config.cluster_name} has IP ${ip}`
        : `cluster ${config.cluster_name} has no running worker`,
      { hint: 'see the workers with: cloudtik worker-ips <cluster.yaml>' },
    );
  }
  if (options.hard !== true) {
    const head = (await ctx.provider.listNodes({ kind: 'head' })).find((n) => n.running);
    await runStopCommands(ctx, node, head?.ip ?? '', options.sink ?? nullSink);
  }
  await ctx.provider.killNode(node.id);
  return node;
}
