import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'worker-hosts',
  description:
    'print the host names of the running workers: their names on the cluster network when the nodes resolve them, else their IPs',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.string('--runtime <name>', 'only workers that run this runtime'),
    opt.string('--node-status <status>', 'only workers with this status (setting-up, up-to-date, update-failed)'),
    opt.string('--separator <sep>', 'separator between hosts', '\n'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { workerHosts } = await import('../../../core/cluster/hosts.js');
    const hosts = await workerHosts(config, { runtime: opts.runtime, nodeStatus: opts.nodeStatus });
    ctx.reporter.result(
      { cluster: config.cluster_name, workerHosts: hosts.map((h) => h.host), workers: hosts },
      hosts.map((h) => h.host).join(opts.separator),
    );
  },
});
