import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption, yesOption } from '../../common.js';
import { printPlan, rerunNodeIpOption, rerunSetupOption, startMode } from './plan.js';

/** CloudTik's options on how node commands run, and what they come to here. */
export function commandStyleNotes(o: { redirectCommandOutput?: boolean; useLoginShells?: boolean }): string[] {
  const notes: string[] = [];
  if (o.redirectCommandOutput === true) {
    notes.push(
      '--redirect-command-output: command output is kept off the terminal already (shown with --verbose or when a step fails)',
    );
  }
  if (o.useLoginShells === true) {
    notes.push(
      "--use-login-shells: node commands run in plain bash with the cluster's environment exported, as with --use-normal-shells",
    );
  }
  return notes;
}

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
    opt.flag(
      '--redirect-command-output',
      'keep the output of node commands off the terminal (always so without --verbose)',
    ),
    opt.flag('--use-login-shells', 'run node commands in login shells (they run in plain bash here)'),
    opt.flag('--use-normal-shells', 'run node commands in plain bash (the default)'),
    opt.flag('--plan', 'only show what start would do to each node and why (as cloudtik plan); change nothing'),
    rerunSetupOption,
    rerunNodeIpOption,
  ],
  async run(args, opts, ctx) {
    const { mode, rerun } = startMode(opts);
    for (const note of commandStyleNotes(opts)) ctx.reporter.info(note);
    const config = await loadCluster(args[0], opts, ctx.reporter, {
      minWorkers: opts.minWorkers,
      maxWorkers: opts.maxWorkers,
    });
    if (opts.plan === true) return printPlan(config, { mode, rerun }, ctx);
    const { startCluster } = await import('../../../core/cluster/start.js');
    const { renderStartSummary } = await import('../../summaries.js');
    ctx.reporter.info(`Starting cluster ${config.cluster_name} in workspace ${config.workspace_name}`);
    const result = await startCluster({
      config,
      mode,
      sink: (e) => ctx.reporter.event(e),
      signal: ctx.signal,
      wait: opts.wait,
      rerun,
    });
    ctx.reporter.result(result, renderStartSummary(result, args[0]));
  },
});
