import { defineCommand } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, outputOption, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'list',
  description: "list the cluster's jobs, queued, running and ended, in submit order",
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption, outputOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { listJobs } = await import('../../../core/jobs/api.js');
    const { jobTable } = await import('../../jobs.js');
    const { stdoutColor } = await import('../../table.js');
    const jobs = await listJobs(config);
    ctx.reporter.result(
      { cluster: config.cluster_name, jobs },
      jobTable(jobs, { wide: opts.output === 'wide', color: stdoutColor() }),
    );
  },
});
