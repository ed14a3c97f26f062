import { formatMemory } from '../../../core/units.js';
import { defineCommand } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

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
      ...Object.entries(info.nodeTypes).map(
        ([name, t]) =>
          `    ${name}: ${info.nodes.byType[name] ?? 0} running, min ${t.min_workers}, max ${t.max_workers}, CPU ${t.resources.CPU ?? '-'}, memory ${t.resources.memory ? formatMemory(t.resources.memory) : '-'}`,
      ),
      `  max_workers: ${info.maxWorkers}`,
      `  runtimes: ${info.runtimes.join(', ') || 'none'}`,
      ...renderEndpoints(info.endpoints),
      '',
      usefulCommands(file, runtimeUsage(config, file)),
    ];
    ctx.reporter.result(info, lines.join('\n'));
  },
});
