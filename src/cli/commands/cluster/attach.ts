import type { ClusterContext } from '../../../core/cluster/context.js';
import type { NodeInfo } from '../../../providers/provider.js';
import { defineCommand, opt, type CommandContext } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  asUsage,
  clusterNameOption,
  loadCluster,
  nodeIpOption,
  workspaceNameOption,
} from '../../common.js';
import {
  attachSessionCommand,
  portForwardOption,
  screenOption,
  tmuxOption,
  withEnvOption,
  type Session,
} from '../../job-options.js';

/** Where the environment file `--with-env` hands the shell lives on the node (read once, then removed). */
const ENV_FILE = '.cloudtik-attach-env';

/** What `attach` opens: a plain shell, or a screen/tmux session; and notes for options with no effect. */
export function planAttach(o: { screen?: boolean; tmux?: boolean; new?: boolean; host?: boolean; withEnv?: boolean }): {
  command: string | undefined;
  notes: string[];
} {
  if (o.screen === true && o.tmux === true) throw new Error('--screen and --tmux cannot be used together');
  const session: Session | undefined = o.screen === true ? 'screen' : o.tmux === true ? 'tmux' : undefined;
  const notes: string[] = [];
  if (o.new === true && !session) notes.push('--new only matters with --screen or --tmux');
  if (o.host === true) {
    notes.push("--host: the shell opens where node commands run (the node's container, or the host without one)");
  }
  let command = session ? attachSessionCommand(session, o.new === true) : undefined;
  if (o.withEnv === true) {
    const load = `set -a; . ~/${ENV_FILE}; rm -f ~/${ENV_FILE}; set +a`;
    command = `${load}; ${command ?? 'exec bash -l'}`;
  }
  return { command, notes };
}

/** Hand the node's environment to the shell through a file, so no value shows in a process list. */
async function uploadEnvironment(cluster: ClusterContext, node: NodeInfo, headIp: string): Promise<void> {
  const fsp = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { nodeEnvironment } = await import('../../../core/updater/node-updater.js');
  const { exportLines } = await import('../../../core/command/shell.js');
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-attach-'));
  try {
    const file = path.join(dir, ENV_FILE);
    await fsp.writeFile(file, `${exportLines(nodeEnvironment(cluster.config, node, headIp))}\n`, { mode: 0o600 });
    await cluster.provider.commandRunner(node).upload(file, `~/${ENV_FILE}`);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** The shell's argv, with ports forwarded where the provider forwards them (else said why not). */
function shellArgv(
  cluster: ClusterContext,
  node: NodeInfo,
  command: string | undefined,
  ports: number[],
  ctx: CommandContext,
) {
  const runner = cluster.provider.commandRunner(node);
  if (ports.length === 0) return runner.interactiveShellArgv(command);
  try {
    return runner.interactiveShellArgv(command, { forwardPorts: ports });
  } catch {
    ctx.reporter.info(
      `--port-forward: ${cluster.config.provider.type} nodes are reachable from this machine at their own address; use ${ports.map((p) => `${node.ip ?? node.id}:${p}`).join(', ')} (nothing forwarded)`,
    );
    return runner.interactiveShellArgv(command);
  }
}

export const command = defineCommand({
  name: 'attach',
  description: 'open an interactive shell on the head (or on a node)',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    nodeIpOption,
    portForwardOption,
    screenOption,
    tmuxOption,
    opt.flag('-N, --new', 'with --screen or --tmux, open a new session instead of joining the latest one'),
    opt.flag('--host', "open the shell on the node's host rather than in its container"),
    withEnvOption,
  ],
  async run(args, opts, ctx) {
    const plan = asUsage(() => planAttach(opts));
    for (const note of plan.notes) ctx.reporter.info(note);
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { selectNodes, requireHead } = await import('../../../core/cluster/nodes.js');
    const { runInteractive } = await import('../../../core/process.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const nodes = await cluster.provider.listNodes();
    const [node] = selectNodes(config, nodes, { nodeIp: opts.nodeIp });
    if (!node) return 1;
    if (opts.withEnv === true) await uploadEnvironment(cluster, node, requireHead(config, nodes).ip ?? '');
    const [bin, ...rest] = shellArgv(cluster, node, plan.command, opts.portForward ?? [], ctx);
    return runInteractive(bin as string, rest);
  },
});
