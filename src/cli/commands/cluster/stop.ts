import { defineCommand, opt } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  confirm,
  loadCluster,
  workspaceNameOption,
  yesOption,
} from '../../common.js';

/**
 * `--deep` (remove the data that would outlive the nodes): what stop does about that data on each
 * provider, so the flag is never a silent no-op.
 */
export function deepStopNote(providerType: string): string {
  switch (providerType) {
    case 'virtual':
      return "--deep: stop always removes each node's data-disk folders with the node; shared data_dirs are the user's and stay";
    case 'kubernetes':
      return "--deep: the cluster's pods keep no volumes that outlive them; there is no more data to remove";
    default:
      return `--deep: data disks on ${providerType} hosts are the hosts' own folders and devices; stop leaves them as they are`;
  }
}

export const command = defineCommand({
  name: 'stop',
  aliases: ['down'],
  description: 'stop a cluster: run stop commands, remove its nodes and local state',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    yesOption,
    opt.flag('--workers-only', 'stop the workers only, keep the head'),
    opt.flag('--keep-min-workers', 'keep min_workers workers of each type'),
    opt.flag('--hard', 'skip stop commands'),
    opt.flag('--deep', 'also remove data kept beyond the nodes (data disks), where the provider keeps any'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    if (opts.deep === true) ctx.reporter.info(deepStopNote(config.provider.type));
    const what = opts.workersOnly === true ? 'the workers of ' : '';
    if (!(await confirm(`Stop ${what}cluster ${config.cluster_name}?`, opts.yes === true))) return 1;
    const { stopCluster } = await import('../../../core/cluster/stop.js');
    const result = await stopCluster({
      config,
      workersOnly: opts.workersOnly === true,
      keepMinWorkers: opts.keepMinWorkers === true,
      hard: opts.hard === true,
      sink: (e) => ctx.reporter.event(e),
    });
    const text =
      result.terminated.length === 0
        ? `Cluster ${config.cluster_name} has no nodes.`
        : `Stopped ${result.terminated.length} node(s) of cluster ${config.cluster_name} in ${(result.ms / 1000).toFixed(1)}s.` +
          (result.remaining.length > 0 ? ` ${result.remaining.length} node(s) kept.` : '');
    ctx.reporter.result(result, text);
  },
});
