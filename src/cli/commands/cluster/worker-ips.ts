import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'worker-ips',
  aliases: ['worker_ips'],
  description: 'print the IPs of the running workers',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.string('--node-status <status>', 'only workers with this status (setting-up, up-to-date, update-failed)'),
    opt.string('--separator <sep>', 'separator between IPs', '\n'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { listClusterNodes, toRow } = await import('../../../core/cluster/nodes.js');
    const workers = (await listClusterNodes(config))
      .map((n) => toRow(n))
      .filter(
        (r) =>
          r.kind === 'worker' &&
          r.state === 'running' &&
          (opts.nodeStatus === undefined || r.status === opts.nodeStatus),
      );
    const ips = workers.map((w) => w.ip).filter((ip): ip is string => ip !== undefined);
    ctx.reporter.result({ worker_ips: ips }, ips.join(opts.separator));
  },
});
