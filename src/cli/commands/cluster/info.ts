import type { ClusterInfo } from '../../../core/cluster/nodes.js';
import { formatMemory } from '../../../core/units.js';
import { defineCommand, opt, type CommandContext } from '../../command-spec.js';
import type { ClusterConfig } from '../../../config/types.js';
import { askedNumber, type NumberFlag } from './worker-numbers.js';
import { CLUSTER_FILE_ARG, asUsage, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';
import { indented, renderTable, type Column } from '../../table.js';

/** The node types under `info`: how many run, their bounds and resources. */
export function nodeTypeColumns(info: ClusterInfo): Column<string>[] {
  const type = (name: string): ClusterInfo['nodeTypes'][string] | undefined => info.nodeTypes[name];
  return [
    { header: 'type', cell: (name) => name },
    { header: 'running', cell: (name) => String(info.nodes.byType[name] ?? 0) },
    { header: 'min', cell: (name) => String(type(name)?.minWorkers ?? '-') },
    { header: 'max', cell: (name) => String(type(name)?.maxWorkers ?? '-') },
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

/** `info --worker-cpus` and the like: one number on stdout (`{"<name>": n}` with --json). */
async function printNumber(config: ClusterConfig, asked: NumberFlag, ctx: CommandContext): Promise<number> {
  const { listClusterNodes } = await import('../../../core/cluster/nodes.js');
  const { workerNumbers, SOCKETS_COMMAND } = await import('./worker-numbers.js');
  const nodes = await listClusterNodes(config);
  let value: number;
  if (asked === 'socketsPerWorker') {
    const worker = nodes.find((n) => n.running && n.kind === 'worker');
    const { CloudtikError } = await import('../../../core/errors.js');
    if (!worker)
      throw new CloudtikError(
        'ERR_CLOUDTIK_CLUSTER',
        `cluster ${config.cluster_name} has no running worker to look at`,
      );
    const { openCluster } = await import('../../../core/cluster/context.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const r = await cluster.provider.commandRunner(worker).run({ command: SOCKETS_COMMAND });
    value = Number(r.stdout.trim());
    if (r.exitCode !== 0 || !Number.isInteger(value) || value < 1) {
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `cannot count the CPU sockets of ${worker.id}`);
    }
  } else {
    value = workerNumbers(config, nodes)[asked];
  }
  ctx.reporter.result({ cluster: config.cluster_name, [asked]: value }, String(value));
  return 0;
}

export const command = defineCommand({
  name: 'info',
  description: 'show cluster resources, node counts and useful commands',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.flag('--worker-cpus', 'print only the CPUs of the running workers, in total'),
    opt.flag('--worker-gpus', 'print only the GPUs of the running workers, in total'),
    opt.flag('--worker-memory', 'print only the memory of the running workers, in total, in MB'),
    opt.flag('--cpus-per-worker', 'print only the CPUs of one worker'),
    opt.flag('--gpus-per-worker', 'print only the GPUs of one worker'),
    opt.flag('--memory-per-worker', 'print only the memory of one worker, in MB'),
    opt.flag('--sockets-per-worker', 'print only the CPU sockets of one running worker'),
    opt.flag('--total-workers', 'print only the number of running workers'),
  ],
  async run(args, opts, ctx) {
    const [file] = args;
    const asked = asUsage(() => askedNumber(opts));
    const config = await loadCluster(file, opts, ctx.reporter);
    if (asked) return printNumber(config, asked, ctx);
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
