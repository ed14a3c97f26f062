import type { ServiceHealth } from '../../../core/cluster/runtimes.js';
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

const state = (r: ServiceHealth): string => (r.running ? 'running' : 'down');

/** The columns of `runtime status`; `-o wide` adds where each service logs. */
export const SERVICE_COLUMNS: Column<ServiceHealth>[] = [
  { header: 'node', cell: (r) => r.node },
  { header: 'ip', cell: (r) => r.ip ?? '-' },
  { header: 'runtime', cell: (r) => r.runtime },
  { header: 'service', cell: (r) => r.service },
  { header: 'state', cell: state, tint: (r) => statusTint(state(r)) },
  {
    header: 'port',
    cell: (r) => (r.port === undefined ? '-' : `${r.port} ${r.answering ? 'answers' : 'closed'}`),
    tint: (r) => (r.port === undefined ? undefined : statusTint(r.answering ? 'answers' : 'closed')),
  },
  { header: 'log', cell: (r) => r.log, wide: true },
];

export const command = defineCommand({
  name: 'status',
  description: "show the runtimes' services on every node: running, answering on their port, and their logs",
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption, runtimesOption, outputOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { runtimeStatus } = await import('../../../core/cluster/runtimes.js');
    const { renderTable, tableOptions } = await import('../../table.js');
    const rows = await runtimeStatus(config, opts.runtimes);
    const unhealthy = rows.filter((r) => !r.running || r.answering === false);
    const text =
      rows.length === 0
        ? 'No runtime services on this cluster.'
        : `${renderTable(SERVICE_COLUMNS, rows, tableOptions(opts.output))}\n\n${unhealthy.length === 0 ? 'All runtime services are healthy.' : `${unhealthy.length} service(s) not healthy.`}`;
    ctx.reporter.result({ cluster: config.cluster_name, services: rows, healthy: unhealthy.length === 0 }, text);
    return unhealthy.length === 0 ? 0 : 1;
  },
});
