import type { ClusterConfig } from '../../../config/types.js';
import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

/** The runtimes a node runs: its worker type's own runtime section, else the cluster's. */
export function nodeRuntimes(config: ClusterConfig, node: { kind: string; nodeType: string }): string[] {
  const own = node.kind === 'worker' ? config.available_node_types[node.nodeType]?.runtime?.types : undefined;
  return own ?? config.runtime.types;
}

/** Whether `runtime` runs anywhere in the cluster (`--runtime` naming none is a usage error). */
export function clusterRunsRuntime(config: ClusterConfig, runtime: string): boolean {
  return (
    config.runtime.types.includes(runtime) ||
    Object.values(config.available_node_types).some((t) => t.runtime?.types?.includes(runtime) === true)
  );
}

export const command = defineCommand({
  name: 'worker-ips',
  aliases: ['worker_ips'],
  description: 'print the IPs of the running workers',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.string('--node-status <status>', 'only workers with this status (setting-up, up-to-date, update-failed)'),
    opt.string('--separator <sep>', 'separator between IPs', '\n'),
    opt.string('--runtime <name>', 'only workers that run this runtime'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const runtime = opts.runtime;
    if (runtime !== undefined && !clusterRunsRuntime(config, runtime)) {
      const { CloudtikError } = await import('../../../core/errors.js');
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `no node of cluster ${config.cluster_name} runs ${runtime}`, {
        hint: `its runtimes: ${config.runtime.types.join(', ') || 'none'}`,
      });
    }
    const { listClusterNodes, toRow } = await import('../../../core/cluster/nodes.js');
    const workers = (await listClusterNodes(config))
      .map((n) => toRow(n))
      .filter(
        (r) =>
          r.kind === 'worker' &&
          r.state === 'running' &&
          (opts.nodeStatus === undefined || r.status === opts.nodeStatus) &&
          (runtime === undefined || nodeRuntimes(config, r).includes(runtime)),
      );
    const ips = workers.map((w) => w.ip).filter((ip): ip is string => ip !== undefined);
    ctx.reporter.result({ cluster: config.cluster_name, workerIps: ips }, ips.join(opts.separator));
  },
});
