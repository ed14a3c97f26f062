import type { CommandSpec } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, parseInteger, workspaceNameOption } from '../../common.js';

export const command: CommandSpec = {
  name: 'submit',
  description: 'upload a job (.py, .sh, .jar, .scala) to the head and run it; Spark jobs go through spark-submit',
  arguments: [
    CLUSTER_FILE_ARG,
    { name: '<job_file>', description: 'the job to run' },
    { name: '[job_args...]', description: 'arguments passed to the job' },
  ],
  options: [
    clusterNameOption,
    workspaceNameOption,
    {
      flags: '--job-log',
      description:
        "also keep the job's output in its log in ~/user/logs on the head (Spark's own logging always goes there; with --verbose to the terminal)",
    },
    {
      flags: '--runtime-options <options>',
      description: 'options for spark-submit, e.g. "--conf spark.executor.instances=2"',
    },
    { flags: '--wait-for-workers <n>', description: 'wait until N workers joined before running', parse: parseInteger },
    {
      flags: '--timeout <seconds>',
      description: 'give up waiting for workers after this long',
      parse: parseInteger,
      default: 600,
    },
  ],
  passThrough: true,
  async run(args, opts, ctx) {
    const [file, job, ...jobArgs] = args;
    const config = await loadCluster(file as string, opts, ctx.reporter);
    const { submitJob } = await import('../../../core/cluster/submit.js');
    const r = await submitJob({
      config,
      file: job as string,
      args: jobArgs,
      jobLog: opts.jobLog === true,
      verbose: ctx.verbose,
      ...(typeof opts.runtimeOptions === 'string' ? { runtimeOptions: opts.runtimeOptions } : {}),
      ...(opts.waitForWorkers !== undefined ? { waitForWorkers: opts.waitForWorkers as number } : {}),
      timeoutMs: (opts.timeout as number) * 1000,
      signal: ctx.signal,
      sink: (e) => ctx.reporter.event(e),
      onOutput: (stream, text) => (stream === 'stdout' && !ctx.json ? process.stdout : process.stderr).write(text),
    });
    if (ctx.json) ctx.reporter.result(r);
    else if (r.log) ctx.reporter.info(`job log on the head: ${r.log}`);
    if (r.exitCode !== 0 && !ctx.json) ctx.reporter.warn(`the job exited with code ${r.exitCode}`);
    return r.exitCode;
  },
};
