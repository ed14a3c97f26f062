import { CLUSTER_DISCARDED, CLUSTER_STOPPING_ENV } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import type { NodeInfo } from '../../providers/provider.js';
import { runBatch, groupCommands } from '../command/batch.js';
import { CloudtikError } from '../errors.js';
import { errorMessage, logEvent, timedStep, type EventSink } from '../events.js';
import { commandsFor } from '../updater/hashes.js';
import { nodeEnvironment } from '../updater/node-updater.js';
import { openCluster, type ClusterContext } from './context.js';

export interface StopOptions {
  config: ClusterConfig;
  workersOnly?: boolean;
  /** Keep Σ min_workers workers (the most recent ones). */
  keepMinWorkers?: boolean;
  /** Skip stop commands. */
  hard?: boolean;
  sink: EventSink;
}

export interface StopResult {
  cluster: string;
  terminated: string[];
  /** Nodes still present (only with `workersOnly` / `keepMinWorkers`). */
  remaining: string[];
  ms: number;
}

/** Run a node's stop commands; failures are reported and ignored, as stopping must go on. */
export async function runStopCommands(
  ctx: ClusterContext,
  node: NodeInfo,
  headIp: string,
  sink: EventSink,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  if (!node.running) return;
  const merged = commandsFor(ctx.config, node.nodeType);
  const groups = node.kind === 'head' ? merged.head_stop_commands : merged.worker_stop_commands;
  const runner = ctx.provider.commandRunner(node);
  const env = { ...nodeEnvironment(ctx.config, node, headIp), ...extraEnv };
  const commands = groupCommands(groups);
  try {
    // What the commands say on stderr (a daemon that would not stop, a wait cut short) shows with --verbose.
    const onStderr = (chunk: string): void => {
      for (const line of chunk.split('\n').filter((l) => l.trim() !== ''))
        logEvent(sink, 'debug', `${node.id}: ${line}`);
    };
    const { failures } = await runBatch(runner, commands, { env, keepGoing: true, onStderr });
    for (const f of failures) {
      logEvent(sink, 'warn', `stop command failed on ${node.id} (exit ${f.exitCode}): ${commands[f.index]?.command}`);
    }
  } catch (err) {
    logEvent(
      sink,
      'warn',
      `stop commands could not run on ${node.id}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Stop the controller first, so nothing relaunches what is being stopped (also with --hard). */
async function stopController(
  ctx: ClusterContext,
  nodes: NodeInfo[],
  headIp: string,
  extraEnv: Record<string, string>,
  sink: EventSink,
): Promise<void> {
  const liveHead = nodes.find((n) => n.kind === 'head' && n.running);
  if (!liveHead) return;
  await timedStep(sink, 'stop-controller', 'Stop the controller', async () => {
    const r = await ctx.provider
      .commandRunner(liveHead)
      .run({
        command: 'cloudtik node stop --controller',
        env: { ...nodeEnvironment(ctx.config, liveHead, headIp), ...extraEnv },
      })
      .catch((err: unknown) => ({ exitCode: -1, stdout: '', stderr: String(err) }));
    if (r.exitCode !== 0) logEvent(sink, 'warn', `could not stop the controller on ${liveHead.id}: ${r.stderr.trim()}`);
  });
}

/** The workers a stop removes: all, or with `keepMinWorkers` all but the newest min_workers of each type. */
function workersToStop(config: ClusterConfig, nodes: NodeInfo[], keepMinWorkers: boolean): NodeInfo[] {
  const workers = nodes.filter((n) => n.kind === 'worker');
  if (!keepMinWorkers) return workers;
  const keep = new Set<string>();
  for (const [name, type] of Object.entries(config.available_node_types)) {
    workers
      .filter((w) => w.nodeType === name && w.running)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, type.min_workers)
      .forEach((w) => keep.add(w.id));
  }
  return workers.filter((w) => !keep.has(w.id));
}

/** Containers can appear late (a start killed midway may still be creating one): sweep until none is left. */
async function sweep(ctx: ClusterContext, sink: EventSink): Promise<string[]> {
  const swept: string[] = [];
  for (let round = 0; ; round++) {
    const left = await ctx.provider.listNodes();
    if (left.length === 0) return swept;
    if (round >= 10) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_CLUSTER',
        `${left.length} node(s) of cluster ${ctx.config.cluster_name} are still present after stop`,
        { details: left.map((n) => n.id), hint: 'run cloudtik stop again' },
      );
    }
    await ctx.provider.terminateNodes(
      left.map((n) => n.id),
      sink,
    );
    swept.push(...left.map((n) => n.id));
  }
}

/**
 * What the stop commands of a stop are told (see {@link CLUSTER_STOPPING_ENV}): on a whole cluster
 * whose nodes go with their disks, every node that it is discarded (its services get no grace);
 * else the head, when the workers stop with it, that they do (YARN's ResourceManager waits for the
 * NodeManagers to leave).
 */
export function stoppingEnv(
  discardsNodes: boolean,
  wholeCluster: boolean,
): { head: Record<string, string>; workers: Record<string, string> } {
  if (!wholeCluster) return { head: {}, workers: {} };
  if (discardsNodes) {
    const discard = { [CLUSTER_STOPPING_ENV]: CLUSTER_DISCARDED };
    return { head: discard, workers: discard };
  }
  return { head: { [CLUSTER_STOPPING_ENV]: '1' }, workers: {} };
}

/**
 * Stop a cluster: the controller and, at the same time, the stop commands of the workers and of
 * the head (a controller replaces a worker only after its heartbeats stop for the heartbeat
 * timeout, far longer than its own stop), each told how the cluster stops (see {@link stoppingEnv}).
 * The workers' containers go once the controller and their commands are done, the head's at the
 * same time once its own commands are done too; then list again until nothing with the cluster's
 * labels is left, and clean its local state. With `workersOnly` or `keepMinWorkers` the head
 * keeps running.
 */
export async function stopCluster(options: StopOptions): Promise<StopResult> {
  const { config, sink } = options;
  const t0 = performance.now();
  const ctx = await openCluster(config, { requireWorkspace: false });
  return ctx.provider.withClusterLock(sink, async () => {
    const nodes = await ctx.provider.listNodes();
    const headIp = nodes.find((n) => n.kind === 'head')?.ip ?? '';
    const workers = workersToStop(config, nodes, options.keepMinWorkers === true);
    const stopHead = !options.workersOnly && !options.keepMinWorkers;
    const heads = stopHead ? nodes.filter((n) => n.kind === 'head') : [];
    const told = stoppingEnv(ctx.provider.discardsNodes === true, stopHead);
    const stopCommands = (list: NodeInfo[], extraEnv: Record<string, string>): Promise<unknown> =>
      options.hard ? Promise.resolve() : Promise.all(list.map((n) => runStopCommands(ctx, n, headIp, sink, extraEnv)));
    // None of these rejects: failures are reported as warnings.
    const workersStopped = Promise.all([
      stopController(ctx, nodes, headIp, told.head, sink),
      stopCommands(workers, told.workers),
    ]);
    const headStopped = stopCommands(heads, told.head);
    const workersGone = removeWorkers(ctx, workers, workersStopped, sink);
    // Awaited below; a failure meanwhile must not count as unhandled.
    workersGone.catch(() => undefined);
    const terminated = workers.map((w) => w.id);
    await workersStopped;
    if (heads.length > 0) {
      await timedStep(sink, 'stop-head', 'Stop head', async () => {
        await headStopped;
        await ctx.provider.terminateNodes(
          heads.map((h) => h.id),
          sink,
        );
      });
      terminated.push(...heads.map((h) => h.id));
    }
    await workersGone;
    if (!stopHead) {
      const remaining = (await ctx.provider.listNodes()).map((n) => n.id);
      return { cluster: config.cluster_name, terminated, remaining, ms: Math.round(performance.now() - t0) };
    }
    terminated.push(...(await sweep(ctx, sink)));
    await retryGivenBack(ctx, sink);
    // The gate goes last: until the head is gone, its controller may still call the engine.
    await ctx.provider.releaseCluster?.();
    await ctx.provider.cleanupCluster();
    return { cluster: config.cluster_name, terminated, remaining: [], ms: Math.round(performance.now() - t0) };
  });
}

/**
 * Hosts the cluster gave back while they did not answer (listed or pooled hosts) may still run its
 * services, and no controller is left to try them again: stop tries once more, and names those
 * still silent.
 */
async function retryGivenBack(ctx: ClusterContext, sink: EventSink): Promise<void> {
  if (!ctx.provider.retryTeardowns) return;
  try {
    const r = await ctx.provider.retryTeardowns(sink);
    for (const id of r.stopped)
      logEvent(sink, 'info', `host ${id} answers again: the cluster's services there are stopped`);
    for (const id of r.unanswered) {
      logEvent(
        sink,
        'warn',
        `host ${id} still does not answer: services of this cluster may still run there (it is handed out last; cloudtik stop tries again)`,
      );
    }
  } catch (err) {
    logEvent(sink, 'warn', `could not try the hosts given back unanswered again: ${errorMessage(err)}`);
  }
}

/** Remove the workers once `stopped` (the controller, their stop commands) is done. */
function removeWorkers(
  ctx: ClusterContext,
  workers: NodeInfo[],
  stopped: Promise<unknown>,
  sink: EventSink,
): Promise<void> {
  if (workers.length === 0) return Promise.resolve();
  return timedStep(sink, 'stop-workers', `Stop ${workers.length} worker(s)`, async () => {
    await stopped;
    await ctx.provider.terminateNodes(
      workers.map((w) => w.id),
      sink,
    );
  });
}
