import { defineCommand, type CommandSpec } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, runtimesOption, workspaceNameOption } from '../../common.js';

export function runtimeAction(action: 'start' | 'stop'): CommandSpec {
  return defineCommand({
    name: action,
    description: `${action} the runtimes' services on every node (their ${action} commands, no setup)`,
    arguments: [CLUSTER_FILE_ARG],
    options: [clusterNameOption, workspaceNameOption, runtimesOption],
    async run(args, opts, ctx) {
      const config = await loadCluster(args[0], opts, ctx.reporter);
      const { runRuntimeCommands } = await import('../../../core/cluster/runtimes.js');
      const r = await runRuntimeCommands(config, action, {
        runtimes: opts.runtimes,
        sink: (e) => ctx.reporter.event(e),
      });
      ctx.reporter.result(r, `${action}: ${r.runtimes.join(', ') || 'no runtimes'} on ${r.nodes} node(s)`);
    },
  });
}

export const command = runtimeAction('start');
