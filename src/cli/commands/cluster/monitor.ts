import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, asUsage, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

/** `--file-type log|out|err`: the controller keeps one log, its output and errors together. */
export function fileTypeNote(fileType: string | undefined): string | undefined {
  if (fileType === undefined || fileType === 'log') return undefined;
  if (fileType !== 'out' && fileType !== 'err')
    throw new Error(`--file-type: expected log, out or err, got ${fileType}`);
  return `--file-type ${fileType}: the controller writes its output and errors to one log; showing it`;
}

export const command = defineCommand({
  name: 'monitor',
  description: "follow the head's controller log (until Ctrl-C)",
  arguments: [CLUSTER_FILE_ARG],
  runsUntilStopped: true,
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.int('--lines <n>', 'start with the last N lines', 100),
    opt.flag('--raw', 'print the JSON log lines as they are'),
    opt.string('--file-type <type>', "log, out or err: which of the controller's files to follow (it keeps one: log)"),
  ],
  async run(args, opts, ctx) {
    const note = asUsage(() => fileTypeNote(opts.fileType));
    if (note) ctx.reporter.info(note);
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { monitorController } = await import('../../../core/cluster/events.js');
    const { formatLogLine } = await import('../../summaries.js');
    const raw = opts.raw === true || ctx.json;
    return monitorController(config, opts.lines, ctx.signal, (line) =>
      ctx.reporter.print(raw ? line : formatLogLine(line)),
    );
  },
});
