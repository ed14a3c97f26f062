import type { CommandSpec } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  formatAge,
  formatBytes,
  loadCluster,
  workspaceNameOption,
} from '../../common.js';

function heartbeat(ageMs: number | undefined, kind: string): string {
  if (kind === 'head') return '-';
  return ageMs === undefined ? 'none' : `${(ageMs / 1000).toFixed(ageMs < 10_000 ? 1 : 0)}s ago`;
}

export const command: CommandSpec = {
  name: 'status',
  description: "show the nodes of a cluster and what the head's controller is doing with them, and why",
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0] as string, opts, ctx.reporter);
    const { clusterNodeRows } = await import('../../../core/cluster/nodes.js');
    const { readControllerStatus } = await import('../../../core/cluster/head-state.js');
    const { renderControllerStatus } = await import('../../summaries.js');
    const { nodes, rows } = await clusterNodeRows(config);
    const head = nodes.find((n) => n.kind === 'head' && n.running);
    const controller = head
      ? await readControllerStatus(config, head)
      : { status: undefined, error: 'no running head' };
    const why = new Map((controller.status?.workers ?? []).map((w) => [w.id, w]));
    const { default: Table } = await import('cli-table3');
    const table = new Table({
      head: ['NODE', 'KIND', 'TYPE', 'IP', 'STATUS', 'HEARTBEAT', 'RESTARTED', 'CPU', 'MEMORY', 'AGE'],
      style: { head: [], border: [] },
    });
    for (const r of rows)
      table.push([
        r.id,
        r.kind,
        r.nodeType,
        r.ip ?? '-',
        r.status,
        heartbeat(why.get(r.id)?.heartbeatAgeMs, r.kind),
        r.restartedAt === undefined ? '-' : `${formatAge(r.restartedAt)} ago`,
        String(r.cpus),
        formatBytes(r.memoryBytes),
        formatAge(r.createdAt),
      ]);
    const text =
      rows.length === 0
        ? `Cluster ${config.cluster_name} has no nodes.`
        : `Cluster ${config.cluster_name} (workspace ${config.workspace_name}): ${rows.length} node(s)\n${table.toString()}\n${renderControllerStatus(controller.status, controller.error)}`;
    ctx.reporter.result(
      {
        cluster: config.cluster_name,
        workspace: config.workspace_name,
        nodes: rows,
        controller: controller.status ?? null,
        ...(controller.error ? { controller_error: controller.error } : {}),
      },
      text,
    );
  },
};
