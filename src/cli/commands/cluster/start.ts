import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption, yesOption } from '../../common.js';

export const command = defineCommand({
  name: 'start',
  aliases: ['up'],
  description: 'create or update a cluster and bring every node up to date',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    yesOption,
    opt.int('--min-workers <n>', 'override min_workers of the worker type'),
    opt.int('--max-workers <n>', 'override the global max_workers'),
    opt.flag('--no-restart', 'run setup but do not restart services on existing nodes'),
    opt.flag('--restart-only', 'skip setup and only run start commands'),
    opt.flag('--no-wait', 'return once the head is up; its controller brings up the workers'),
  ],
  async run(args, opts, ctx) {
    const { CloudtikError } = await import('../../../core/errors.js');
    if (opts.restart === false && opts.restartOnly === true) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', '--no-restart and --restart-only cannot be used together');
    }
    const config = await loadCluster(args[0], opts, ctx.reporter, {
      minWorkers: opts.minWorkers,
      maxWorkers: opts.maxWorkers,
    });
    const { startCluster } = await import('../../../core/cluster/start.js');
    const { renderStartSummary } = await import('../../summaries.js');
    const mode = opts.restartOnly === true ? 'restart-only' : opts.restart === false ? 'no-restart' : 'full';
    ctx.reporter.info(`Starting cluster ${config.cluster_name} in workspace ${config.workspace_name}`);
    const result = await startCluster({
      config,
      mode,
      sink: (e) => ctx.reporter.event(e),
      signal: ctx.signal,
      wait: opts.wait,
    });
    ctx.reporter.result(result, renderStartSummary(result, args[0]));
  },
});
