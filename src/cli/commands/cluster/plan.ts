import type { ClusterConfig } from '../../../config/types.js';
import { CloudtikError } from '../../../core/errors.js';
import type { RerunTargets } from '../../../core/plan-start/decide.js';
import type { UpdateMode } from '../../../core/plan-update/plan.js';
import { defineCommand, opt, type CommandContext, type OptionSpec } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

/** `--node-ip IP`, repeatable (or comma separated): the nodes `--rerun-setup` names. */
export const rerunNodeIpOption: OptionSpec<'nodeIp', string[] | undefined> = {
  flags: '--node-ip <ip>',
  description: 'with --rerun-setup: only this node (repeat for more; default: every node)',
  key: 'nodeIp',
  parse: (value, previous) => [...((previous as string[] | undefined) ?? []), ...value.split(',').map((s) => s.trim())],
};

export const rerunSetupOption = opt.flag(
  '--rerun-setup',
  'run the setup again (setup commands, runtime configuration, service restart) even when nothing changed',
);

/** The update mode and re-run targets the start options ask for; refuses what cannot go together. */
export function startMode(opts: {
  restart?: boolean;
  restartOnly?: boolean;
  rerunSetup?: boolean;
  nodeIp?: string[];
}): { mode: UpdateMode; rerun: RerunTargets | undefined } {
  if (opts.restart === false && opts.restartOnly === true) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', '--no-restart and --restart-only cannot be used together');
  }
  if (opts.rerunSetup === true && opts.restartOnly === true) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', '--rerun-setup and --restart-only cannot be used together');
  }
  if (opts.nodeIp !== undefined && opts.rerunSetup !== true) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', '--node-ip needs --rerun-setup');
  }
  const mode = opts.restartOnly === true ? 'restart-only' : opts.restart === false ? 'no-restart' : 'full';
  const rerun = opts.rerunSetup === true ? { all: opts.nodeIp === undefined, ips: opts.nodeIp ?? [] } : undefined;
  return { mode, rerun };
}

/** Print what `start` would do (the plan as data with --json); changes nothing. */
export async function printPlan(
  config: ClusterConfig,
  how: { mode: UpdateMode; rerun: RerunTargets | undefined },
  ctx: CommandContext,
): Promise<void> {
  const { planCluster } = await import('../../../core/cluster/plan.js');
  const { renderPlan } = await import('../../plan-render.js');
  const { stdoutColor } = await import('../../table.js');
  const plan = await planCluster(config, how);
  ctx.reporter.result(plan, renderPlan(plan, { color: stdoutColor() }));
}

export const command = defineCommand({
  name: 'plan',
  description: 'show what cloudtik start would do to each node and why, changing nothing',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.int('--min-workers <n>', 'override min_workers of the worker type'),
    opt.int('--max-workers <n>', 'override the global max_workers'),
    opt.flag('--no-restart', 'plan a start with --no-restart'),
    opt.flag('--restart-only', 'plan a start with --restart-only'),
    rerunSetupOption,
    rerunNodeIpOption,
  ],
  async run(args, opts, ctx) {
    const how = startMode(opts);
    const config = await loadCluster(args[0], opts, ctx.reporter, {
      minWorkers: opts.minWorkers,
      maxWorkers: opts.maxWorkers,
    });
    await printPlan(config, how, ctx);
  },
});
