import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'head-ip',
  aliases: ['head_ip'],
  description: 'print the IP of the head node',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.flag('--public', 'the public IP (the same as the internal one on virtual)'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { listClusterNodes, requireHead } = await import('../../../core/cluster/nodes.js');
    const head = requireHead(config, await listClusterNodes(config));
    ctx.reporter.result({ cluster: config.cluster_name, headIp: head.ip ?? null, node: head.id }, head.ip ?? '');
  },
});
