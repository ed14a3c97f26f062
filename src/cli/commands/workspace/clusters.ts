import { defineCommand, opt } from '../../command-spec.js';
import { loadWorkspace } from '../../common.js';
import { WORKSPACE_FILE_ARG } from './create.js';
import { CLUSTER_COLUMNS } from './info.js';

export const command = defineCommand({
  name: 'clusters',
  aliases: ['list-clusters'],
  description: 'list the clusters running in a workspace',
  arguments: [WORKSPACE_FILE_ARG],
  options: [opt.string('-n, --workspace-name <name>', 'override the configured workspace name')],
  async run(args, opts, ctx) {
    const config = await loadWorkspace(args[0], opts, ctx.reporter);
    const { workspaceInfo } = await import('../../../core/workspace.js');
    const { renderTable } = await import('../../table.js');
    const info = await workspaceInfo(config);
    ctx.reporter.result(
      { workspace: info.name, clusters: info.clusters.map(({ name, ...c }) => ({ cluster: name, ...c })) },
      info.clusters.length === 0
        ? `No clusters in workspace ${info.name}.`
        : renderTable(CLUSTER_COLUMNS, info.clusters),
    );
  },
});
