import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';
import { JOB_ID_ARG } from './common.js';

export const command = defineCommand({
  name: 'logs',
  description: "print a job's output as kept on the head (its stdout to stdout, its stderr to stderr)",
  arguments: [CLUSTER_FILE_ARG, JOB_ID_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.flag(
      '-f, --follow',
      'wait for a queued job to start, then stream its output until it ends; exit with its exit code',
    ),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { jobOutput } = await import('../../../core/jobs/api.js');
    const { jobExitCode } = await import('../../../core/jobs/model.js');
    const job = await jobOutput(config, args[1], {
      follow: opts.follow === true,
      signal: ctx.signal,
      onOutput: (stream, text) => (stream === 'stdout' ? process.stdout : process.stderr).write(text),
    });
    if (job.startedAt === undefined) ctx.reporter.info(`job ${job.id} is ${job.state}: it has no output`);
    return opts.follow === true ? jobExitCode(job) : 0;
  },
});
