import { defineCommand, type ArgumentSpec } from '../../command-spec.js';
import { loadWorkspace, workspaceNameOption, yesOption } from '../../common.js';

export const WORKSPACE_FILE_ARG: ArgumentSpec<'<workspace_config_file>'> = {
  name: '<workspace_config_file>',
  description: 'the workspace YAML file',
};

export const command = defineCommand({
  name: 'create',
  description: 'create a workspace (virtual: a Docker bridge network; kubernetes: a namespace and its accounts)',
  arguments: [WORKSPACE_FILE_ARG],
  options: [workspaceNameOption, yesOption],
  async run(args, opts, ctx) {
    const config = await loadWorkspace(args[0], opts, ctx.reporter);
    const { createWorkspace } = await import('../../../core/workspace.js');
    const { created, info } = await createWorkspace(config);
    ctx.reporter.result(
      { created, ...info },
      created
        ? `Created workspace ${info.name} (network ${info.network}${info.subnet === undefined ? '' : `, subnet ${info.subnet}`}).`
        : `Workspace ${info.name} already exists (network ${info.network}).`,
    );
  },
});
