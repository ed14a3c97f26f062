import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'events',
  aliases: ['debug-status'],
  description: "show what the head's controller did and why (launches, terminations, setups, failures)",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.int('--limit <n>', 'show the last N events', 50),
    opt.flag('-f, --follow', 'keep printing new events until Ctrl-C'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { readEvents, followEvents } = await import('../../../core/cluster/events.js');
    const { formatEvent } = await import('../../summaries.js');
    if (opts.follow === true) {
      await followEvents(config, opts.limit, ctx.signal, (e) =>
        ctx.reporter.print(ctx.json ? JSON.stringify(e) : formatEvent(e)),
      );
      return;
    }
    const events = await readEvents(config, opts.limit);
    ctx.reporter.result(
      { cluster: config.cluster_name, events },
      events.length === 0 ? 'No events yet.' : events.map(formatEvent).join('\n'),
    );
  },
});
