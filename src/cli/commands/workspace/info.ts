import type { ClusterSummary, WorkspaceInfo } from '../../../providers/provider.js';
import { defineCommand, opt } from '../../command-spec.js';
import { loadWorkspace, workspaceCommandNameOption } from '../../common.js';
import { indented, renderTable, type Column } from '../../table.js';
import { workspaceJson } from '../../json.js';
import { WORKSPACE_FILE_ARG } from './create.js';

/** ` (bridge …, subnet …, gateway …)` with what the provider has of these; nothing when none. */
export function networkDetails(info: WorkspaceInfo): string {
  const parts = (['bridge', 'subnet', 'gateway'] as const)
    .filter((k) => info[k] !== undefined)
    .map((k) => `${k} ${info[k]}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** The clusters under `workspace info`: their nodes by kind and how many run. */
export const CLUSTER_COLUMNS: Column<ClusterSummary>[] = [
  { header: 'cluster', cell: (c) => c.name },
  { header: 'head', cell: (c) => String(c.head) },
  { header: 'workers', cell: (c) => String(c.workers) },
  { header: 'running', cell: (c) => String(c.running) },
];

export const command = defineCommand({
  name: 'info',
  description: 'show a workspace: its network and the clusters in it',
  arguments: [WORKSPACE_FILE_ARG],
  options: [
    workspaceCommandNameOption,
    opt.flag('--managed-storage', "print only the workspace's managed cloud storage"),
    opt.flag('--managed-storage-uri', "print only the URI of the workspace's managed cloud storage"),
  ],
  async run(args, opts, ctx) {
    const config = await loadWorkspace(args[0], opts, ctx.reporter);
    if (opts.managedStorage === true || opts.managedStorageUri === true) {
      // No provider here makes managed storage; a script reading it gets a clear failure, not an empty line.
      const { CloudtikError } = await import('../../../core/errors.js');
      throw new CloudtikError(
        'ERR_CLOUDTIK_WORKSPACE',
        `workspace ${config.workspace_name} has no managed cloud storage: ${config.provider.type} workspaces make none`,
        { hint: 'use a storage of your own (HDFS in the cluster, or a path in data_dirs)' },
      );
    }
    const { workspaceInfo } = await import('../../../core/workspace.js');
    const info = await workspaceInfo(config);
    const lines = [
      `Workspace ${info.name}`,
      `  network: ${info.network}${networkDetails(info)}`,
      `  clusters:${info.clusters.length === 0 ? ' none' : ''}`,
      ...(info.clusters.length === 0 ? [] : indented(renderTable(CLUSTER_COLUMNS, info.clusters), 4)),
    ];
    ctx.reporter.result(workspaceJson(info), lines.join('\n'));
  },
});
