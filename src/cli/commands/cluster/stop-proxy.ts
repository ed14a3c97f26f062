import { defineCommand } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'stop-proxy',
  description: 'stop the SOCKS5 proxy that start-proxy started for the cluster',
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { stopProxy } = await import('../../../core/cluster/proxy/control.js');
    const { stopped, state } = await stopProxy(config);
    ctx.reporter.result(
      { cluster: config.cluster_name, stopped, ...(state ? { pid: state.pid, port: state.port } : {}) },
      stopped
        ? `Stopped the SOCKS5 proxy of cluster ${config.cluster_name} (pid ${state?.pid}, port ${state?.port}).`
        : `No SOCKS5 proxy of cluster ${config.cluster_name} is running.`,
    );
  },
});
