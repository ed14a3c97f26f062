import type { CommandSpec } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, parseInteger, workspaceNameOption } from '../../common.js';

export const command: CommandSpec = {
  name: 'monitor',
  description: "follow the head's controller log (until Ctrl-C)",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    { flags: '--lines <n>', description: 'start with the last N lines', parse: parseInteger, default: 100 },
    { flags: '--raw', description: 'print the JSON log lines as they are' },
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0] as string, opts, ctx.reporter);
    const { monitorController } = await import('../../../core/cluster/events.js');
    const { formatLogLine } = await import('../../summaries.js');
    const raw = opts.raw === true || ctx.json;
    return monitorController(config, opts.lines as number, ctx.signal, (line) =>
      ctx.reporter.print(raw ? line : formatLogLine(line)),
    );
  },
};
