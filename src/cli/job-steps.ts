/**
 * The steps around a command that `exec` and `submit` take from {@link planJob}: start the
 * cluster, wait for workers, forward ports, and at the end wait for a detached session and stop
 * the cluster.
 */
import type { ClusterConfig } from '../config/types.js';
import type { ClusterContext } from '../core/cluster/context.js';
import type { NodeInfo } from '../providers/provider.js';
import type { CommandContext } from './command-spec.js';
import { confirm } from './common.js';
import { sessionAliveCommand, type JobPlan, type Session } from './job-options.js';

/** Before the command: the notes, start (asking first unless -y) and the wait for workers. */
export async function beforeJob(
  config: ClusterConfig,
  plan: JobPlan,
  ctx: CommandContext,
  yes: boolean,
): Promise<void> {
  for (const note of plan.notes) ctx.reporter.info(note);
  if (plan.start !== 'no') {
    const { listClusterNodes } = await import('../core/cluster/nodes.js');
    const headUp = (await listClusterNodes(config)).some((n) => n.kind === 'head' && n.running);
    if (plan.start === 'always' || !headUp) {
      if (!(await confirm(`Start cluster ${config.cluster_name}?`, yes))) {
        const { CloudtikError } = await import('../core/errors.js');
        throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'not started: the command was not run');
      }
      const { startCluster } = await import('../core/cluster/start.js');
      await startCluster({ config, mode: 'full', sink: (e) => ctx.reporter.event(e), signal: ctx.signal });
    } else {
      ctx.reporter.info(
        `cluster ${config.cluster_name} is running; --start has nothing to do (--force-update applies the config)`,
      );
    }
  }
  if (plan.wait) {
    const { openCluster } = await import('../core/cluster/context.js');
    const { waitForReady } = await import('../core/cluster/nodes.js');
    await waitForReady(await openCluster(config, { requireWorkspace: false }), {
      minWorkers: plan.wait.minWorkers,
      timeoutMs: plan.wait.timeoutMs,
      signal: ctx.signal,
      sink: (e) => ctx.reporter.event(e),
    });
  }
}

/**
 * Forward `ports` from this machine to the same ports on `node` until the returned function is
 * called. Providers whose nodes this machine reaches at their own address (virtual: containers on
 * a local bridge) need no forward: that is said, with the address to use.
 */
export async function forwardPorts(
  cluster: ClusterContext,
  node: NodeInfo,
  ports: readonly number[],
  ctx: CommandContext,
): Promise<() => void> {
  if (ports.length === 0) return () => undefined;
  let argv: string[];
  try {
    argv = cluster.provider.commandRunner(node).interactiveShellArgv('sleep 2147483647', { forwardPorts: ports });
  } catch {
    ctx.reporter.info(
      `--port-forward: ${cluster.config.provider.type} nodes are reachable from this machine at their own address; use ${ports.map((p) => `${node.ip ?? node.id}:${p}`).join(', ')} (nothing forwarded)`,
    );
    return () => undefined;
  }
  const { startDetached } = await import('../core/process.js');
  const { env } = await import('../config/env.js');
  const { waitUpTo } = await import('../core/deadline.js');
  const { portAnswers } = await import('../core/net.js');
  const [bin, ...rest] = argv;
  const pid = startDetached(bin as string, rest, { env: env.toolEnv() });
  const stop = (): void => {
    if (pid !== undefined) {
      try {
        process.kill(-pid);
      } catch {
        // Already gone.
      }
    }
  };
  const listening = await waitUpTo(
    async () => (await Promise.all(ports.map((p) => portAnswers('127.0.0.1', p)))).every(Boolean),
    {
      what: 'the port forwards',
      ms: 15_000,
      pauseMs: 250,
      signal: ctx.signal,
    },
  );
  if (!listening) ctx.reporter.warn(`--port-forward: ports ${ports.join(', ')} do not answer on this machine yet`);
  else
    ctx.reporter.info(`forwarding localhost ports ${ports.join(', ')} to ${node.ip ?? node.id} while the command runs`);
  return stop;
}

/** Wait until the detached session `name` on `node` has ended (the job it runs is done). */
export async function waitForSession(
  cluster: ClusterContext,
  node: NodeInfo,
  session: { kind: Session; name: string },
  ctx: CommandContext,
): Promise<void> {
  const { waitFor } = await import('../core/deadline.js');
  const runner = cluster.provider.commandRunner(node);
  ctx.reporter.info(`waiting for ${session.kind} session ${session.name} to end before stopping the cluster`);
  await waitFor(
    async () =>
      (await runner.run({ command: sessionAliveCommand(session.kind, session.name) })).exitCode === 0
        ? undefined
        : true,
    // A job may run for days; Ctrl-C ends the wait (and leaves the cluster running).
    {
      what: `${session.kind} session ${session.name} to end`,
      ms: 30 * 24 * 3600_000,
      pauseMs: 5000,
      signal: ctx.signal,
    },
  );
}

/** After the command: stop the cluster (asking first unless -y). */
export async function stopAfterJob(config: ClusterConfig, ctx: CommandContext, yes: boolean): Promise<void> {
  if (!(await confirm(`Stop cluster ${config.cluster_name}?`, yes))) return;
  const { stopCluster } = await import('../core/cluster/stop.js');
  await stopCluster({ config, sink: (e) => ctx.reporter.event(e) });
}
