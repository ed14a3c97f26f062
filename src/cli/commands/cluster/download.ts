import { defineCommand } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, nodeIpOption, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'download',
  aliases: ['rsync-down', 'rsync_down'],
  description: 'copy a file or folder from the head (or from a node) to a local path',
  arguments: [
    CLUSTER_FILE_ARG,
    { name: '<source>', description: 'path on the node' },
    { name: '<target>', description: 'local path' },
  ],
  options: [clusterNameOption, workspaceNameOption, nodeIpOption],
  async run(args, opts, ctx) {
    const [file, source, target] = args;
    const config = await loadCluster(file, opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { downloadFromNode } = await import('../../../core/cluster/nodes.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const node = await downloadFromNode(cluster, { source, target, nodeIp: opts.nodeIp });
    ctx.reporter.result(
      { cluster: config.cluster_name, source, target, node },
      `Downloaded ${source} from ${node} to ${target}.`,
    );
  },
});
