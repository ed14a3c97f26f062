import { defineCommand, opt } from '../../command-spec.js';
import { loadWorkspace } from '../../common.js';
import { WORKSPACE_FILE_ARG } from './create.js';

export const command = defineCommand({
  name: 'status',
  description: 'show whether a workspace exists and is ready (READY), or not (NONE)',
  arguments: [WORKSPACE_FILE_ARG],
  options: [opt.string('-n, --workspace-name <name>', 'override the configured workspace name')],
  async run(args, opts, ctx) {
    const config = await loadWorkspace(args[0], opts, ctx.reporter);
    const { loadProvider } = await import('../../../providers/registry.js');
    const workspaces = await (await loadProvider(config.provider.type)).workspaces(config.provider);
    const info = await workspaces.get(config.workspace_name);
    const status = info ? 'READY' : 'NONE';
    ctx.reporter.result(
      {
        workspace: config.workspace_name,
        provider: config.provider.type,
        status,
        ...(info ? { network: info.network, ...(info.subnet ? { subnet: info.subnet } : {}) } : {}),
      },
      `Workspace ${config.workspace_name}: ${status}${info ? ` (network ${info.network})` : ''}`,
    );
  },
});
