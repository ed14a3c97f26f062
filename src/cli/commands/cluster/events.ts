import type { CommandSpec } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, parseInteger, workspaceNameOption } from '../../common.js';

export const command: CommandSpec = {
  name: 'events',
  aliases: ['debug-status'],
  description: "show what the head's controller did and why (launches, terminations, setups, failures)",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    { flags: '--limit <n>', description: 'show the last N events', parse: parseInteger, default: 50 },
    { flags: '-f, --follow', description: 'keep printing new events until Ctrl-C' },
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0] as string, opts, ctx.reporter);
    const { readEvents, followEvents } = await import('../../../core/cluster/events.js');
    const { formatEvent } = await import('../../summaries.js');
    if (opts.follow === true) {
      await followEvents(config, opts.limit as number, ctx.signal, (e) =>
        ctx.reporter.print(ctx.json ? JSON.stringify(e) : formatEvent(e)),
      );
      return;
    }
    const events = await readEvents(config, opts.limit as number);
    ctx.reporter.result(
      { cluster: config.cluster_name, events },
      events.length === 0 ? 'No events yet.' : events.map(formatEvent).join('\n'),
    );
  },
};
