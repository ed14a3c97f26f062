import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'start-proxy',
  description:
    "start a SOCKS5 proxy on this machine to the cluster's network, through the head: for web UIs on addresses this machine cannot reach (curl --socks5-hostname 127.0.0.1:<port> http://<node ip>:<port>)",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.string('--bind-address <address>', 'the local address to listen on (loopback by default)', '127.0.0.1'),
    opt.int('--port <port>', 'the local port (default: the first free one from 6000)'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { listClusterNodes, requireHead } = await import('../../../core/cluster/nodes.js');
    const { startProxy } = await import('../../../core/cluster/proxy/control.js');
    const head = requireHead(config, await listClusterNodes(config));
    const pass = [
      ...(opts.clusterName ? ['-n', opts.clusterName] : []),
      ...(opts.workspaceName ? ['--workspace-name', opts.workspaceName] : []),
    ];
    const { state, started } = await startProxy(config, {
      file: args[0],
      bindAddress: opts.bindAddress,
      ...(opts.port === undefined ? {} : { port: opts.port }),
      args: pass,
    });
    const where = `${state.bindAddress}:${state.port}`;
    ctx.reporter.result(
      { cluster: config.cluster_name, started, ...state, head: head.id, headIp: head.ip ?? null },
      [
        `${started ? 'Started' : 'Already running:'} the SOCKS5 proxy to cluster ${config.cluster_name} on ${where} (pid ${state.pid}), through its head ${head.ip ?? head.id}.`,
        `  e.g. curl --socks5-hostname ${where} http://${head.ip ?? '<head ip>'}:<port>/`,
        `  stop it with: cloudtik stop-proxy ${args[0]}`,
      ].join('\n'),
    );
  },
});
