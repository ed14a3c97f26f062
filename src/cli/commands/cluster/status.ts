import type { CommandSpec } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  formatAge,
  formatBytes,
  loadCluster,
  workspaceNameOption,
} from '../../common.js';

export const command: CommandSpec = {
  name: 'status',
  description: 'show the nodes of a cluster: kind, type, IP, status and age',
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0] as string, opts, ctx.reporter);
    const { listClusterNodes, toRow } = await import('../../../core/cluster/nodes.js');
    const rows = (await listClusterNodes(config)).map(toRow);
    const { default: Table } = await import('cli-table3');
    const table = new Table({
      head: ['NODE', 'KIND', 'TYPE', 'IP', 'STATUS', 'CPU', 'MEMORY', 'AGE'],
      style: { head: [], border: [] },
    });
    for (const r of rows)
      table.push([
        r.id,
        r.kind,
        r.nodeType,
        r.ip ?? '-',
        r.status,
        String(r.cpus),
        formatBytes(r.memoryBytes),
        formatAge(r.createdAt),
      ]);
    const text =
      rows.length === 0
        ? `Cluster ${config.cluster_name} has no nodes.`
        : `Cluster ${config.cluster_name} (workspace ${config.workspace_name}): ${rows.length} node(s)\n${table.toString()}`;
    ctx.reporter.result({ cluster: config.cluster_name, workspace: config.workspace_name, nodes: rows }, text);
  },
};
