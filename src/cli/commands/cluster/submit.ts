import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'submit',
  description:
    'queue a job (.py, .sh, .jar, .scala) on the head and, unless --no-wait, stream its output and exit with its exit code; Spark jobs go through spark-submit',
  arguments: [
    CLUSTER_FILE_ARG,
    { name: '<job_file>', description: 'the job to run' },
    { name: '[job_args...]', description: 'arguments passed to the job' },
  ],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.flag(
      '--job-log',
      "also keep the job's output in its log in ~/user/logs on the head (Spark's own logging always goes there; with --verbose to the terminal)",
    ),
    opt.string('--runtime-options <options>', 'options for spark-submit, e.g. "--conf spark.executor.instances=2"'),
    opt.string(
      '--resources <list>',
      "what the job needs free in the cluster before it starts, e.g. cpu=2,memory=2g (default: a Spark job's driver and executors as configured; 1 CPU and 256 MB for others)",
    ),
    opt.flag('--no-wait', 'print the job id once it is queued and return; follow it with cloudtik job logs -f'),
    opt.int('--wait-for-workers <n>', 'wait until N workers joined before queueing the job'),
    opt.int('--timeout <seconds>', 'give up waiting for workers after this long', 600),
  ],
  passThrough: true,
  async run(args, opts, ctx) {
    const [file, job, ...jobArgs] = args;
    const config = await loadCluster(file, opts, ctx.reporter);
    const { submitJob, jobOutput } = await import('../../../core/jobs/api.js');
    const { jobExitCode } = await import('../../../core/jobs/model.js');
    const queued = await submitJob({
      config,
      file: job,
      args: jobArgs,
      resources: opts.resources,
      jobLog: opts.jobLog === true,
      verbose: ctx.verbose,
      runtimeOptions: opts.runtimeOptions,
      waitForWorkers: opts.waitForWorkers,
      timeoutMs: opts.timeout * 1000,
      signal: ctx.signal,
      sink: (e) => ctx.reporter.event(e),
    });
    if (!opts.wait) {
      ctx.reporter.result(queued, queued.id);
      return 0;
    }
    if (ctx.verbose) ctx.reporter.info(`job ${queued.id} queued`);
    const ended = await jobOutput(config, queued.id, {
      follow: true,
      signal: ctx.signal,
      onOutput: (stream, text) => (stream === 'stdout' && !ctx.json ? process.stdout : process.stderr).write(text),
    }).catch((err: unknown) => {
      // Ctrl-C stops following, not the job.
      if (ctx.signal.aborted) {
        ctx.reporter.warn(
          `job ${queued.id} goes on on the head: cloudtik job cancel <cluster.yaml> ${queued.id} stops it`,
        );
      }
      throw err;
    });
    if (ctx.json) ctx.reporter.result(ended);
    else if (ended.sparkLog) ctx.reporter.info(`job log on the head: ~/${ended.sparkLog}`);
    const code = jobExitCode(ended);
    if (code !== 0 && !ctx.json)
      ctx.reporter.warn(`job ${ended.id} ${ended.state}: ${ended.reason ?? `exit code ${code}`}`);
    return code;
  },
});
