import type { CommandSpec } from '../../command-spec.js';
import { clusterNameOption, loadCluster, nodeIpOption, workspaceNameOption } from '../../common.js';

export const command: CommandSpec = {
  name: 'download',
  aliases: ['rsync-down', 'rsync_down'],
  description: 'copy a file or folder from the head (or from a node) to a local path',
  arguments: [
    { name: '<cluster_config_file>', description: 'the cluster YAML file' },
    { name: '<source>', description: 'path on the node' },
    { name: '<target>', description: 'local path' },
  ],
  options: [clusterNameOption, workspaceNameOption, nodeIpOption],
  async run(args, opts, ctx) {
    const [file, source, target] = args as [string, string, string];
    const config = await loadCluster(file, opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { downloadFromNode } = await import('../../../core/cluster/nodes.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const node = await downloadFromNode(cluster, { source, target, nodeIp: opts.nodeIp as string | undefined });
    ctx.reporter.result({ source, target, node }, `Downloaded ${source} from ${node} to ${target}.`);
  },
};
