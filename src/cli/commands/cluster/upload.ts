import type { CommandSpec } from '../../command-spec.js';
import { allNodesOption, clusterNameOption, loadCluster, nodeIpOption, workspaceNameOption } from '../../common.js';

export const command: CommandSpec = {
  name: 'upload',
  aliases: ['rsync-up', 'rsync_up'],
  description: 'copy a local file or folder to the head (or to a node, or to all nodes)',
  arguments: [
    { name: '<cluster_config_file>', description: 'the cluster YAML file' },
    { name: '<source>', description: 'local path (a folder ending with / copies its contents)' },
    { name: '<target>', description: 'path on the node' },
  ],
  options: [clusterNameOption, workspaceNameOption, nodeIpOption, allNodesOption],
  async run(args, opts, ctx) {
    const [file, source, target] = args as [string, string, string];
    const config = await loadCluster(file, opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { uploadToNodes } = await import('../../../core/cluster/nodes.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const nodes = await uploadToNodes(cluster, {
      source,
      target,
      nodeIp: opts.nodeIp as string | undefined,
      allNodes: opts.allNodes === true,
    });
    ctx.reporter.result({ source, target, nodes }, `Uploaded ${source} to ${target} on ${nodes.length} node(s).`);
  },
};
