import { defineCommand, opt } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  loadCluster,
  nodeIpOption,
  parsePorts,
  workspaceNameOption,
} from '../../common.js';

export const command = defineCommand({
  name: 'attach',
  description: 'open an interactive shell on the head (or on a node)',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    nodeIpOption,
    opt.parsed(
      '--port-forward <ports>',
      'forward these local ports (comma-separated) to the same ports on the node, for web UIs this machine cannot reach',
      parsePorts,
    ),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { selectNodes } = await import('../../../core/cluster/nodes.js');
    const { runInteractive } = await import('../../../core/process.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const [node] = selectNodes(config, await cluster.provider.listNodes(), {
      nodeIp: opts.nodeIp,
    });
    if (!node) return 1;
    const forwardPorts = opts.portForward ?? [];
    const argv = cluster.provider.commandRunner(node).interactiveShellArgv(undefined, { forwardPorts });
    const [bin, ...rest] = argv;
    return runInteractive(bin as string, rest);
  },
});
