import type { CommandSpec } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, parseInteger, workspaceNameOption } from '../../common.js';

export const command: CommandSpec = {
  name: 'wait-for-ready',
  description: 'wait until the head and the workers are up-to-date',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    {
      flags: '--min-workers <n>',
      description: 'workers to wait for (default: the configured min_workers)',
      parse: parseInteger,
    },
    { flags: '--timeout <seconds>', description: 'give up after this many seconds', parse: parseInteger, default: 600 },
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0] as string, opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { waitForReady, toRow } = await import('../../../core/cluster/nodes.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const nodes = await waitForReady(cluster, {
      minWorkers: opts.minWorkers as number | undefined,
      timeoutMs: (opts.timeout as number) * 1000,
      signal: ctx.signal,
    });
    ctx.reporter.result({ ready: true, nodes: nodes.map((n) => toRow(n)) }, `Cluster ${config.cluster_name} is ready.`);
  },
};
