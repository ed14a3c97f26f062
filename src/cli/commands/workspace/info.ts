import type { CommandSpec } from '../../command-spec.js';
import { loadWorkspace, workspaceNameOption } from '../../common.js';
import { WORKSPACE_FILE_ARG } from './create.js';

export const command: CommandSpec = {
  name: 'info',
  description: 'show a workspace: its network and the clusters in it',
  arguments: [WORKSPACE_FILE_ARG],
  options: [workspaceNameOption],
  async run(args, opts, ctx) {
    const config = await loadWorkspace(args[0] as string, opts, ctx.reporter);
    const { workspaceInfo } = await import('../../../core/workspace.js');
    const info = await workspaceInfo(config);
    const lines = [
      `Workspace ${info.name}`,
      `  network: ${info.network} (bridge ${info.bridge ?? '-'}, subnet ${info.subnet ?? '-'}, gateway ${info.gateway ?? '-'})`,
      `  clusters: ${info.clusters.length === 0 ? 'none' : ''}`,
      ...info.clusters.map((c) => `    ${c.name}: ${c.head} head, ${c.workers} worker(s), ${c.running} running`),
    ];
    ctx.reporter.result(info, lines.join('\n'));
  },
};
