import type { ClusterConfig } from '../../config/types.js';
import type { NodeInfo } from '../../providers/provider.js';
import { runBatch, groupCommands } from '../command/batch.js';
import { CloudtikError } from '../errors.js';
import { logEvent, timedStep, type EventSink } from '../events.js';
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
async function runStopCommands(ctx: ClusterContext, node: NodeInfo, headIp: string, sink: EventSink): Promise<void> {
  if (!node.running) return;
  const merged = commandsFor(ctx.config, node.nodeType);
  const groups = node.kind === 'head' ? merged.head_stop_commands : merged.worker_stop_commands;
  const runner = ctx.provider.commandRunner(node);
  const env = nodeEnvironment(ctx.config, node, headIp);
  const commands = groupCommands(groups);
  try {
    const { failures } = await runBatch(runner, commands, { env, keepGoing: true });
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

/**
 * Stop a cluster: stop commands (unless `hard`), then terminate workers, then the head, then
 * list again until nothing with the cluster's labels is left, and clean its local state.
 */
export async function stopCluster(options: StopOptions): Promise<StopResult> {
  const { config, sink } = options;
  const t0 = performance.now();
  const ctx = await openCluster(config, { requireWorkspace: false });
  return ctx.provider.withClusterLock(sink, async () => {
    const nodes = await ctx.provider.listNodes();
    const head = nodes.find((n) => n.kind === 'head');
    const headIp = head?.ip ?? '';
    // The controller goes first, so nothing relaunches what is being stopped (also with --hard).
    const liveHead = nodes.find((n) => n.kind === 'head' && n.running);
    if (liveHead) {
      await timedStep(sink, 'stop-controller', 'Stop the controller', async () => {
        const r = await ctx.provider
          .commandRunner(liveHead)
          .run({ command: 'cloudtik node stop --controller', env: nodeEnvironment(config, liveHead, headIp) })
          .catch((err: unknown) => ({ exitCode: -1, stdout: '', stderr: String(err) }));
        if (r.exitCode !== 0)
          logEvent(sink, 'warn', `could not stop the controller on ${liveHead.id}: ${r.stderr.trim()}`);
      });
    }
    let workers = nodes.filter((n) => n.kind === 'worker');
    if (options.keepMinWorkers) {
      const keep = new Set<string>();
      for (const [name, type] of Object.entries(config.available_node_types)) {
        workers
          .filter((w) => w.nodeType === name && w.running)
          .sort((a, b) => b.createdAt - a.createdAt)
          .slice(0, type.min_workers)
          .forEach((w) => keep.add(w.id));
      }
      workers = workers.filter((w) => !keep.has(w.id));
    }
    const terminated: string[] = [];
    if (workers.length > 0) {
      await timedStep(sink, 'stop-workers', `Stop ${workers.length} worker(s)`, async () => {
        if (!options.hard) await Promise.all(workers.map((w) => runStopCommands(ctx, w, headIp, sink)));
        await ctx.provider.terminateNodes(
          workers.map((w) => w.id),
          sink,
        );
      });
      terminated.push(...workers.map((w) => w.id));
    }
    const stopHead = !options.workersOnly && !options.keepMinWorkers;
    if (stopHead) {
      const heads = nodes.filter((n) => n.kind === 'head');
      if (heads.length > 0) {
        await timedStep(sink, 'stop-head', 'Stop head', async () => {
          if (!options.hard) for (const h of heads) await runStopCommands(ctx, h, headIp, sink);
          await ctx.provider.terminateNodes(
            heads.map((h) => h.id),
            sink,
          );
        });
        terminated.push(...heads.map((h) => h.id));
      }
      // Containers can appear late (a start killed midway may still be creating one): sweep until none is left.
      for (let round = 0; ; round++) {
        const left = await ctx.provider.listNodes();
        if (left.length === 0) break;
        if (round >= 10) {
          throw new CloudtikError(
            'ERR_CLOUDTIK_CLUSTER',
            `${left.length} node(s) of cluster ${config.cluster_name} are still present after stop`,
            {
              details: left.map((n) => n.id),
              hint: 'run cloudtik stop again',
            },
          );
        }
        await ctx.provider.terminateNodes(
          left.map((n) => n.id),
          sink,
        );
        terminated.push(...left.map((n) => n.id));
      }
      // The gate goes last: until the head is gone, its controller may still call the engine.
      await ctx.provider.releaseCluster?.();
      await ctx.provider.cleanupCluster();
    }
    const remaining = (await ctx.provider.listNodes()).map((n) => n.id);
    return { cluster: config.cluster_name, terminated, remaining, ms: Math.round(performance.now() - t0) };
  });
}
