import type { CommandSpec } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  loadCluster,
  parseInteger,
  workspaceNameOption,
  yesOption,
} from '../../common.js';

export const command: CommandSpec = {
  name: 'start',
  aliases: ['up'],
  description: 'create or update a cluster and bring every node up to date',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    yesOption,
    { flags: '--min-workers <n>', description: 'override min_workers of the worker type', parse: parseInteger },
    { flags: '--max-workers <n>', description: 'override the global max_workers', parse: parseInteger },
    { flags: '--no-restart', description: 'run setup but do not restart services on existing nodes' },
    { flags: '--restart-only', description: 'skip setup and only run start commands' },
    { flags: '--no-wait', description: 'return once the head is up; its controller brings up the workers' },
  ],
  async run(args, opts, ctx) {
    const { CloudtikError } = await import('../../../core/errors.js');
    if (opts.restart === false && opts.restartOnly === true) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', '--no-restart and --restart-only cannot be used together');
    }
    const config = await loadCluster(args[0] as string, opts, ctx.reporter, {
      minWorkers: opts.minWorkers as number | undefined,
      maxWorkers: opts.maxWorkers as number | undefined,
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
      wait: opts.wait !== false,
    });
    ctx.reporter.result(result, renderStartSummary(result, args[0] as string));
  },
};
