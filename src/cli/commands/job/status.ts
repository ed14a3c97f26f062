import { defineCommand } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';
import { JOB_ID_ARG } from './common.js';

export const command = defineCommand({
  name: 'status',
  description: 'show one job: its state and why, times, exit code, resources, and where its output is',
  arguments: [CLUSTER_FILE_ARG, JOB_ID_ARG],
  options: [clusterNameOption, workspaceNameOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { getJob } = await import('../../../core/jobs/api.js');
    const { jobDetails } = await import('../../jobs.js');
    const job = await getJob(config, args[1]);
    ctx.reporter.result(job, jobDetails(job));
  },
});
