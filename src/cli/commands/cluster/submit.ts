import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'submit',
  description:
    'upload a job (.py, .sh, .jar, .scala) to the head and run it; Spark jobs go through spark-submit, Flink jobs through flink run on YARN',
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
    opt.string(
      '--runtime-options <options>',
      'options for spark-submit or flink run, e.g. "--conf spark.executor.instances=2" or "-p 2"',
    ),
    opt.string(
      '--runtime <name>',
      'run a .py, .jar or .scala job on spark or flink (default: spark when the cluster runs it, else flink)',
    ),
    opt.int('--wait-for-workers <n>', 'wait until N workers joined before running'),
    opt.int('--timeout <seconds>', 'give up waiting for workers after this long', 600),
  ],
  passThrough: true,
  async run(args, opts, ctx) {
    const [file, job, ...jobArgs] = args;
    const config = await loadCluster(file, opts, ctx.reporter);
    const { submitJob } = await import('../../../core/cluster/submit.js');
    const r = await submitJob({
      config,
      file: job,
      args: jobArgs,
      jobLog: opts.jobLog === true,
      verbose: ctx.verbose,
      runtimeOptions: opts.runtimeOptions,
      runtime: opts.runtime,
      waitForWorkers: opts.waitForWorkers,
      timeoutMs: opts.timeout * 1000,
      signal: ctx.signal,
      sink: (e) => ctx.reporter.event(e),
      onOutput: (stream, text) => (stream === 'stdout' && !ctx.json ? process.stdout : process.stderr).write(text),
    });
    if (ctx.json) ctx.reporter.result(r);
    else if (r.log) ctx.reporter.info(`job log on the head: ${r.log}`);
    if (r.exitCode !== 0 && !ctx.json) ctx.reporter.warn(`the job exited with code ${r.exitCode}`);
    return r.exitCode;
  },
});
