import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';
import { JOB_OPTIONS, planJob, sessionCommand, sessionName } from '../../job-options.js';

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
    ...JOB_OPTIONS,
  ],
  passThrough: true,
  async run(args, opts, ctx) {
    const [file, job, ...jobArgs] = args;
    const plan = planJob(opts);
    const config = await loadCluster(file, opts, ctx.reporter);
    const { beforeJob, forwardPorts, waitForSession, stopAfterJob } = await import('../../job-steps.js');
    const { submitJob } = await import('../../../core/cluster/submit.js');
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { requireHead } = await import('../../../core/cluster/nodes.js');
    await beforeJob(config, plan, ctx, opts.yes === true);
    const cluster = await openCluster(config, { requireWorkspace: false });
    const head = requireHead(config, await cluster.provider.listNodes());
    const session = plan.session ? { kind: plan.session, name: sessionName(job) } : undefined;
    const closeForwards = await forwardPorts(cluster, head, plan.ports, ctx);
    const r = await submitJob({
      config,
      file: job,
      args: jobArgs,
      jobLog: opts.jobLog === true,
      verbose: ctx.verbose,
      runtime: opts.runtime,
      runtimeOptions: opts.runtimeOptions,
      timeoutMs: opts.waitTimeout * 1000,
      signal: ctx.signal,
      sink: (e) => ctx.reporter.event(e),
      onOutput: (stream, text) => (stream === 'stdout' && !ctx.json ? process.stdout : process.stderr).write(text),
      ...(session ? { wrap: (c: string) => sessionCommand(session.kind, session.name, c) } : {}),
    }).finally(closeForwards);
    if (ctx.json)
      ctx.reporter.result({ cluster: config.cluster_name, ...r, ...(session ? { session: session.name } : {}) });
    else if (session && r.exitCode === 0)
      ctx.reporter.info(
        `job started in ${session.kind} session ${session.name}; join it with: cloudtik attach ${file} --${session.kind}`,
      );
    else if (r.log) ctx.reporter.info(`job log on the head: ${r.log}`);
    if (r.exitCode !== 0 && !ctx.json) ctx.reporter.warn(`the job exited with code ${r.exitCode}`);
    if (plan.stop) {
      if (session && r.exitCode === 0) await waitForSession(cluster, head, session, ctx);
      await stopAfterJob(config, ctx, opts.yes === true);
    }
    return r.exitCode;
  },
});
