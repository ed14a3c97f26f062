import { defineCommand } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  allNodesOption,
  noAllNodesOption,
  clusterNameOption,
  loadCluster,
  nodeIpOption,
  workspaceNameOption,
} from '../../common.js';

export const command = defineCommand({
  name: 'upload',
  aliases: ['rsync-up', 'rsync_up'],
  description: 'copy a local file or folder to the head (or to a node, or to all nodes)',
  arguments: [
    CLUSTER_FILE_ARG,
    { name: '<source>', description: 'local path (a folder ending with / copies its contents)' },
    { name: '<target>', description: 'path on the node' },
  ],
  options: [clusterNameOption, workspaceNameOption, nodeIpOption, allNodesOption, noAllNodesOption],
  async run(args, opts, ctx) {
    const [file, source, target] = args;
    const config = await loadCluster(file, opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { uploadToNodes } = await import('../../../core/cluster/nodes.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const nodes = await uploadToNodes(cluster, {
      source,
      target,
      nodeIp: opts.nodeIp,
      allNodes: opts.allNodes === true,
    });
    ctx.reporter.result(
      { cluster: config.cluster_name, source, target, nodes },
      `Uploaded ${source} to ${target} on ${nodes.length} node(s).`,
    );
  },
});
