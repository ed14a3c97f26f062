import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'monitor',
  description: "follow the head's controller log (until Ctrl-C)",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.int('--lines <n>', 'start with the last N lines', 100),
    opt.flag('--raw', 'print the JSON log lines as they are'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { monitorController } = await import('../../../core/cluster/events.js');
    const { formatLogLine } = await import('../../summaries.js');
    const raw = opts.raw === true || ctx.json;
    return monitorController(config, opts.lines, ctx.signal, (line) =>
      ctx.reporter.print(raw ? line : formatLogLine(line)),
    );
  },
});
