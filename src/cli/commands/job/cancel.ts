import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';
import { JOB_ID_ARG } from './common.js';

export const command = defineCommand({
  name: 'cancel',
  description:
    'cancel a job: a queued one at once; a running one is stopped on the head (its processes, and its YARN applications for Spark)',
  arguments: [CLUSTER_FILE_ARG, JOB_ID_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.int('--timeout <seconds>', 'how long to wait for a running job to stop', 60),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { cancelJob } = await import('../../../core/jobs/api.js');
    const job = await cancelJob(config, args[1], { signal: ctx.signal, timeoutMs: opts.timeout * 1000 });
    ctx.reporter.result(job, `job ${job.id} ${job.state}${job.reason ? ` (${job.reason})` : ''}`);
  },
});
