import type { ClusterInfo } from '../../../core/cluster/nodes.js';
import { formatMemory } from '../../../core/units.js';
import { defineCommand } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';
import { indented, renderTable, type Column } from '../../table.js';

/** The node types under `info`: how many run, their bounds and resources. */
export function nodeTypeColumns(info: ClusterInfo): Column<string>[] {
  const type = (name: string): ClusterInfo['nodeTypes'][string] | undefined => info.nodeTypes[name];
  return [
    { header: 'type', cell: (name) => name },
    { header: 'running', cell: (name) => String(info.nodes.byType[name] ?? 0) },
    { header: 'min', cell: (name) => String(type(name)?.min_workers ?? '-') },
    { header: 'max', cell: (name) => String(type(name)?.max_workers ?? '-') },
    { header: 'cpu', cell: (name) => String(type(name)?.resources.CPU ?? '-') },
    {
      header: 'memory',
      cell: (name) => {
        const memory = type(name)?.resources.memory;
        return memory ? formatMemory(memory) : '-';
      },
    },
  ];
}

export const command = defineCommand({
  name: 'info',
  description: 'show cluster resources, node counts and useful commands',
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption],
  async run(args, opts, ctx) {
    const [file] = args;
    const config = await loadCluster(file, opts, ctx.reporter);
    const { listClusterNodes, clusterInfo } = await import('../../../core/cluster/nodes.js');
    const { usefulCommands, renderEndpoints } = await import('../../summaries.js');
    const { runtimeUsage } = await import('../../../core/cluster/runtimes.js');
    const info = clusterInfo(config, await listClusterNodes(config));
    const res = Object.entries(info.resources)
      .map(([k, v]) => `${k}: ${k === 'memory' ? formatMemory(v) : v}`)
      .join(', ');
    const lines = [
      `Cluster ${info.cluster} (workspace ${info.workspace})`,
      `  head: ${info.headIp ?? 'not running'}`,
      `  nodes: ${info.nodes.total} running (${info.nodes.head} head, ${info.nodes.workers} workers), ${info.nodes.upToDate} up-to-date`,
      `  resources: ${res || 'none'}`,
      `  node types:`,
      ...indented(renderTable(nodeTypeColumns(info), Object.keys(info.nodeTypes)), 4),
      `  max_workers: ${info.maxWorkers}`,
      `  runtimes: ${info.runtimes.join(', ') || 'none'}`,
      ...renderEndpoints(info.endpoints),
      '',
      usefulCommands(file, runtimeUsage(config, file)),
    ];
    ctx.reporter.result(info, lines.join('\n'));
  },
});
