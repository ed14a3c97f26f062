import type { NodeMetrics } from '../../../core/cluster/resource-metrics.js';
import { formatMemory } from '../../../core/units.js';
import { defineCommand } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, outputOption, workspaceNameOption } from '../../common.js';
import type { Column } from '../../table.js';

const pct = (used: number, total: number): string => (total > 0 ? `${((100 * used) / total).toFixed(1)}%` : '-');

export const METRIC_COLUMNS: Column<NodeMetrics>[] = [
  { header: 'node', cell: (r) => r.node, wide: true },
  { header: 'ip', cell: (r) => r.ip ?? '-' },
  { header: 'kind', cell: (r) => r.kind },
  { header: 'type', cell: (r) => r.nodeType, wide: true },
  { header: 'cpu', cell: (r) => `${r.cpusUsed.toFixed(2)}/${r.cpus}` },
  { header: 'cpu%', cell: (r) => `${(100 * r.cpuUtilization).toFixed(1)}%` },
  { header: 'memory', cell: (r) => `${formatMemory(r.memoryUsed)}/${formatMemory(r.memoryTotal)}` },
  { header: 'memory%', cell: (r) => pct(r.memoryUsed, r.memoryTotal) },
  {
    header: 'reported',
    cell: (r) => (r.ageMs === undefined ? 'never' : `${Math.round(r.ageMs / 1000)}s ago${r.stale ? ' (stale)' : ''}`),
  },
];

export const command = defineCommand({
  name: 'resource-metrics',
  description: "show the cluster's CPU and memory use, in total and per node (from the nodes' agents)",
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption, outputOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { resourceMetrics } = await import('../../../core/cluster/resource-metrics.js');
    const { renderTable, tableOptions } = await import('../../table.js');
    const m = await resourceMetrics(config);
    const t = m.total;
    const text = [
      `Cluster ${config.cluster_name}: ${m.nodes.length} node(s)`,
      `  CPU:    ${t.cpusUsed.toFixed(2)} of ${t.cpus} cores used (${pct(t.cpusUsed, t.cpus)})`,
      `  Memory: ${formatMemory(t.memoryUsed)} of ${formatMemory(t.memoryTotal)} used (${pct(t.memoryUsed, t.memoryTotal)})`,
      '',
      renderTable(METRIC_COLUMNS, m.nodes, tableOptions(opts.output)),
    ].join('\n');
    ctx.reporter.result({ cluster: config.cluster_name, ...m }, text);
  },
});
