import { defineCommand, opt, type CommandSpec } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  allNodesOption,
  clusterNameOption,
  confirm,
  loadCluster,
  noAllNodesOption,
  runtimesOption,
  workspaceNameOption,
  yesOption,
} from '../../common.js';

export function runtimeAction(action: 'start' | 'stop'): CommandSpec {
  return defineCommand({
    name: action,
    description: `${action} the runtimes' services on every node, or on the chosen ones (their ${action} commands, no setup)`,
    arguments: [CLUSTER_FILE_ARG],
    options: [
      clusterNameOption,
      workspaceNameOption,
      runtimesOption,
      opt.string('--node-ip <ip>', 'only this node'),
      { ...allNodesOption, description: 'every running node (the default)' },
      { ...noAllNodesOption, description: 'only the head, or the node of --node-ip' },
      opt.flag('--parallel', 'on the workers at the same time (the default)', true),
      opt.flag('--no-parallel', 'on one worker after another'),
      yesOption,
      opt.flag(
        '--force',
        `run the ${action} commands even where the services already ${action === 'start' ? 'run' : 'stopped'} (they always run here)`,
      ),
    ],
    async run(args, opts, ctx) {
      const config = await loadCluster(args[0], opts, ctx.reporter);
      if (opts.force === true)
        ctx.reporter.info(`--force: the ${action} commands run whatever state the services are in`);
      // Asked on a terminal only: scripts have always run this without -y.
      const ask = opts.yes !== true && process.stdin.isTTY === true;
      const what = opts.nodeIp ?? (opts.allNodes === false ? 'the head' : 'every node');
      if (ask && !(await confirm(`${action} the runtimes of cluster ${config.cluster_name} on ${what}?`, false)))
        return 1;
      const { runRuntimeCommands } = await import('../../../core/cluster/runtimes.js');
      const r = await runRuntimeCommands(config, action, {
        runtimes: opts.runtimes,
        nodeIp: opts.nodeIp,
        ...(opts.allNodes !== undefined ? { allNodes: opts.allNodes } : {}),
        parallel: opts.parallel,
        sink: (e) => ctx.reporter.event(e),
      });
      ctx.reporter.result(
        { cluster: config.cluster_name, ...r },
        `${action}: ${r.runtimes.join(', ') || 'no runtimes'} on ${r.nodes} node(s)`,
      );
    },
  });
}

export const command = runtimeAction('start');
