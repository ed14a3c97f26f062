import type { NodeRow } from '../../../core/cluster/nodes.js';
import type { StatusNode } from '../../../core/state/store.js';
import { formatMemory } from '../../../core/units.js';
import { defineCommand } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  formatAge,
  loadCluster,
  outputOption,
  workspaceNameOption,
} from '../../common.js';
import { statusTint, type Column } from '../../table.js';

function heartbeat(ageMs: number | undefined, kind: string): string {
  if (kind === 'head') return '-';
  return ageMs === undefined ? 'none' : `${(ageMs / 1000).toFixed(ageMs < 10_000 ? 1 : 0)}s ago`;
}

/** A node as `status` shows it: its row and what the head's controller says of it. */
export interface StatusLine {
  row: NodeRow;
  controller: StatusNode | undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The columns of `status`; `-o wide` adds the provider state, restarts, the controller's action and full times. */
export const STATUS_COLUMNS: Column<StatusLine>[] = [
  { header: 'node', cell: ({ row }) => row.id },
  { header: 'kind', cell: ({ row }) => row.kind },
  { header: 'type', cell: ({ row }) => row.nodeType },
  { header: 'seq', cell: ({ row }) => String(row.seqId), wide: true },
  { header: 'ip', cell: ({ row }) => row.ip ?? '-' },
  { header: 'status', cell: ({ row }) => row.status, tint: ({ row }) => statusTint(row.status) },
  { header: 'state', cell: ({ row }) => row.state, wide: true },
  { header: 'heartbeat', cell: ({ row, controller }) => heartbeat(controller?.heartbeatAgeMs, row.kind) },
  {
    header: 'restarted',
    cell: ({ row }, wide) =>
      row.restartedAt === undefined ? '-' : wide ? iso(row.restartedAt) : `${formatAge(row.restartedAt)} ago`,
  },
  { header: 'restarts', cell: ({ row }) => String(row.restartCount ?? 0), wide: true },
  { header: 'cpu', cell: ({ row }) => String(row.cpus) },
  { header: 'memory', cell: ({ row }) => formatMemory(row.memoryBytes) },
  { header: 'age', cell: ({ row }) => formatAge(row.createdAt) },
  { header: 'created', cell: ({ row }) => iso(row.createdAt), wide: true },
  { header: 'action', cell: ({ controller }) => controller?.action ?? '-', wide: true },
];

export const command = defineCommand({
  name: 'status',
  description: "show the nodes of a cluster and what the head's controller is doing with them, and why",
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption, outputOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { clusterNodeRows } = await import('../../../core/cluster/nodes.js');
    const { readControllerStatus } = await import('../../../core/cluster/head-state.js');
    const { renderControllerStatus } = await import('../../summaries.js');
    const { renderTable, tableOptions } = await import('../../table.js');
    const { nodes, rows } = await clusterNodeRows(config);
    const head = nodes.find((n) => n.kind === 'head' && n.running);
    const controller = head
      ? await readControllerStatus(config, head)
      : { status: undefined, error: 'no running head' };
    const why = new Map((controller.status?.workers ?? []).map((w) => [w.id, w]));
    const lines = rows.map((row) => ({ row, controller: why.get(row.id) }));
    const table = renderTable(STATUS_COLUMNS, lines, tableOptions(opts.output));
    const text =
      rows.length === 0
        ? `Cluster ${config.cluster_name} has no nodes.`
        : `Cluster ${config.cluster_name} (workspace ${config.workspace_name}): ${rows.length} node(s)\n\n${table}\n\n${renderControllerStatus(controller.status, controller.error)}`;
    ctx.reporter.result(
      {
        cluster: config.cluster_name,
        workspace: config.workspace_name,
        nodes: rows,
        controller: controller.status ?? null,
        ...(controller.error ? { controllerError: controller.error } : {}),
      },
      text,
    );
  },
});
