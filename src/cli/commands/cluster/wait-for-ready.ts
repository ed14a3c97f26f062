import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'wait-for-ready',
  description: 'wait until the head and the workers are up-to-date',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.int('--min-workers <n>', 'workers to wait for (default: the configured min_workers)'),
    opt.int('--timeout <seconds>', 'give up after this many seconds', 600),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { waitForReady, toRow } = await import('../../../core/cluster/nodes.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const nodes = await waitForReady(cluster, {
      minWorkers: opts.minWorkers,
      timeoutMs: opts.timeout * 1000,
      signal: ctx.signal,
    });
    ctx.reporter.result(
      { cluster: config.cluster_name, ready: true, nodes: nodes.map((n) => toRow(n)) },
      `Cluster ${config.cluster_name} is ready.`,
    );
  },
});
