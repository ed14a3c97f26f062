import type { ProcessRow } from '../../../core/cluster/node-processes.js';
import { defineCommand } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  loadCluster,
  outputOption,
  runtimesOption,
  workspaceNameOption,
} from '../../common.js';
import { statusTint, type Column } from '../../table.js';

/** The columns of `process-status`; `-o wide` adds the node id and type. */
export const PROCESS_COLUMNS: Column<ProcessRow>[] = [
  { header: 'node', cell: (r) => r.node, wide: true },
  { header: 'ip', cell: (r) => r.ip ?? '-' },
  { header: 'kind', cell: (r) => r.kind },
  { header: 'type', cell: (r) => r.nodeType, wide: true },
  { header: 'runtime', cell: (r) => r.runtime },
  { header: 'process', cell: (r) => r.service },
  { header: 'state', cell: (r) => r.state, tint: (r) => statusTint(r.state) },
  { header: 'pid', cell: (r) => (r.pid === undefined ? '-' : String(r.pid)) },
];

export const command = defineCommand({
  name: 'process-status',
  description: 'show the processes of the node services and runtimes on every node: running or not, and their pids',
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption, runtimesOption, outputOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { processStatus } = await import('../../../core/cluster/node-processes.js');
    const { renderTable, tableOptions } = await import('../../table.js');
    const rows = await processStatus(config, opts.runtimes);
    const down = rows.filter((r) => r.state !== 'running').length;
    const text =
      rows.length === 0
        ? 'No processes.'
        : `${renderTable(PROCESS_COLUMNS, rows, tableOptions(opts.output))}\n\n${rows.length - down} running, ${down} not running.`;
    ctx.reporter.result({ cluster: config.cluster_name, processes: rows }, text);
  },
});
