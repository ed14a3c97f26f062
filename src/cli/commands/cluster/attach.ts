import type { CommandSpec } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  loadCluster,
  nodeIpOption,
  parsePorts,
  workspaceNameOption,
} from '../../common.js';

export const command: CommandSpec = {
  name: 'attach',
  description: 'open an interactive shell on the head (or on a node)',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    nodeIpOption,
    {
      flags: '--port-forward <ports>',
      description:
        'forward these local ports (comma-separated) to the same ports on the node, for web UIs this machine cannot reach',
      parse: parsePorts,
    },
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0] as string, opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { selectNodes } = await import('../../../core/cluster/nodes.js');
    const { runInteractive } = await import('../../../core/process.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const [node] = selectNodes(config, await cluster.provider.listNodes(), {
      nodeIp: opts.nodeIp as string | undefined,
    });
    if (!node) return 1;
    const forwardPorts = (opts.portForward as number[] | undefined) ?? [];
    const argv = cluster.provider.commandRunner(node).interactiveShellArgv(undefined, { forwardPorts });
    const [bin, ...rest] = argv;
    return runInteractive(bin as string, rest);
  },
};
