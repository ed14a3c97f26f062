import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';
import { JOB_ID_ARG } from './common.js';

export const command = defineCommand({
  name: 'wait',
  description: 'wait until a job ends and exit with its exit code (130 when it was cancelled)',
  arguments: [CLUSTER_FILE_ARG, JOB_ID_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.int('--timeout <seconds>', 'give up after this long (default: wait as long as it takes)'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { waitJob } = await import('../../../core/jobs/api.js');
    const { jobExitCode } = await import('../../../core/jobs/model.js');
    const job = await waitJob(config, args[1], {
      signal: ctx.signal,
      ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {}),
    });
    ctx.reporter.result(job, `job ${job.id} ${job.state}${job.reason ? ` (${job.reason})` : ''}`);
    return jobExitCode(job);
  },
});
