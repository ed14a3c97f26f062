import { defineCommand } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'head-host',
  description:
    'print the host name of the head node: its name on the cluster network when the nodes resolve it, else its IP',
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { headHost } = await import('../../../core/cluster/hosts.js');
    const h = await headHost(config);
    ctx.reporter.result({ cluster: config.cluster_name, headHost: h.host, headIp: h.ip ?? null, node: h.node }, h.host);
  },
});
