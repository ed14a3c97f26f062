import type { CommandSpec } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  loadCluster,
  runtimesOf,
  runtimesOption,
  workspaceNameOption,
} from '../../common.js';

export const command: CommandSpec = {
  name: 'status',
  description: "show the runtimes' services on every node: running, answering on their port, and their logs",
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption, runtimesOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0] as string, opts, ctx.reporter);
    const { runtimeStatus } = await import('../../../core/cluster/runtimes.js');
    const only = runtimesOf(opts);
    const rows = await runtimeStatus(config, only);
    const { default: Table } = await import('cli-table3');
    const table = new Table({
      head: ['NODE', 'IP', 'RUNTIME', 'SERVICE', 'STATE', 'PORT', 'LOG'],
      style: { head: [], border: [] },
    });
    for (const r of rows) {
      table.push([
        r.node,
        r.ip ?? '-',
        r.runtime,
        r.service,
        r.running ? 'running' : 'down',
        r.port === undefined ? '-' : `${r.port} ${r.answering ? 'answers' : 'closed'}`,
        r.log,
      ]);
    }
    const unhealthy = rows.filter((r) => !r.running || r.answering === false);
    const text =
      rows.length === 0
        ? 'No runtime services on this cluster.'
        : `${table.toString()}\n${unhealthy.length === 0 ? 'All runtime services are healthy.' : `${unhealthy.length} service(s) not healthy.`}`;
    ctx.reporter.result({ services: rows, healthy: unhealthy.length === 0 }, text);
    return unhealthy.length === 0 ? 0 : 1;
  },
};
