import type { ClusterConfig } from '../../../config/types.js';
import { defineCommand, opt, type CommandContext } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';
import { JOB_OPTIONS, planJob } from '../../job-options.js';

export const command = defineCommand({
  name: 'submit',
  description:
    'queue a job (.py, .sh, .jar, .scala) on the head and, unless --no-wait, stream its output and exit with its exit code; Spark jobs go through spark-submit, Flink jobs through flink run',
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
    opt.string(
      '--resources <list>',
      "what the job needs free in the cluster before it starts, e.g. cpu=2,memory=2g (default: a Spark job's driver and executors as configured; 1 CPU and 256 MB for others)",
    ),
    opt.flag('--no-wait', 'print the job id once it is queued and return; follow it with cloudtik job logs -f'),
    ...JOB_OPTIONS,
  ],
  passThrough: true,
  async run(args, opts, ctx) {
    const [file, job, ...jobArgs] = args;
    const plan = planJob(opts);
    const config = await loadCluster(file, opts, ctx.reporter);
    const { beforeJob, forwardPorts, stopAfterJob } = await import('../../job-steps.js');
    const { submitJob } = await import('../../../core/jobs/api.js');
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { requireHead } = await import('../../../core/cluster/nodes.js');
    // Every job already runs detached, under the head's job runner: a session adds nothing to it.
    const detached = !opts.wait || plan.session !== undefined;
    if (plan.session)
      ctx.reporter.info(
        `--${plan.session}: jobs run detached under the head's job runner; follow this one with cloudtik job logs -f`,
      );
    await beforeJob(config, plan, ctx, opts.yes === true);
    const cluster = await openCluster(config, { requireWorkspace: false });
    const closeForwards = await forwardPorts(
      cluster,
      requireHead(config, await cluster.provider.listNodes()),
      plan.ports,
      ctx,
    );
    const queued = await submitJob({
      config,
      file: job,
      args: jobArgs,
      resources: opts.resources,
      jobLog: opts.jobLog === true,
      verbose: ctx.verbose,
      runtime: opts.runtime,
      runtimeOptions: opts.runtimeOptions,
    }).catch((err: unknown) => {
      closeForwards();
      throw err;
    });
    if (detached && !plan.stop) {
      closeForwards();
      ctx.reporter.result(queued, queued.id);
      return 0;
    }
    const code = await followJob(config, queued.id, ctx, detached).finally(closeForwards);
    if (plan.stop) await stopAfterJob(config, ctx, opts.yes === true);
    return code;
  },
});

/**
 * Wait for a queued job to end and return its exit code: streaming its output (submit's usual
 * way), or quietly when it runs detached (--no-wait or a session, with --stop after it).
 */
async function followJob(config: ClusterConfig, id: string, ctx: CommandContext, quiet: boolean): Promise<number> {
  const { jobOutput, waitJob } = await import('../../../core/jobs/api.js');
  const { jobExitCode } = await import('../../../core/jobs/model.js');
  if (ctx.verbose) ctx.reporter.info(`job ${id} queued`);
  const ended = await (
    quiet
      ? waitJob(config, id, { signal: ctx.signal })
      : jobOutput(config, id, {
          follow: true,
          signal: ctx.signal,
          onOutput: (stream, text) => (stream === 'stdout' && !ctx.json ? process.stdout : process.stderr).write(text),
        })
  ).catch((err: unknown) => {
    // Ctrl-C stops following, not the job.
    if (ctx.signal.aborted) {
      ctx.reporter.warn(`job ${id} goes on on the head: cloudtik job cancel <cluster.yaml> ${id} stops it`);
    }
    throw err;
  });
  if (ctx.json) ctx.reporter.result(ended);
  else if (ended.sparkLog) ctx.reporter.info(`job log on the head: ~/${ended.sparkLog}`);
  const code = jobExitCode(ended);
  if (code !== 0 && !ctx.json)
    ctx.reporter.warn(`job ${ended.id} ${ended.state}: ${ended.reason ?? `exit code ${code}`}`);
  return code;
}
