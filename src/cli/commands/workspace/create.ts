import { defineCommand, opt, type ArgumentSpec } from '../../command-spec.js';
import { workspaceJson } from '../../json.js';
import { loadWorkspace, workspaceCommandNameOption, yesOption } from '../../common.js';

export const WORKSPACE_FILE_ARG: ArgumentSpec<'<workspace_config_file>'> = {
  name: '<workspace_config_file>',
  description: 'the workspace YAML file',
};

export const command = defineCommand({
  name: 'create',
  description: 'create a workspace (virtual: a Docker bridge network; kubernetes: a namespace and its accounts)',
  arguments: [WORKSPACE_FILE_ARG],
  options: [
    workspaceCommandNameOption,
    yesOption,
    opt.flag('--delete-incomplete', 'when creating fails part way, remove what was made (the default)', true),
    opt.flag('--no-delete-incomplete', 'when creating fails part way, keep what was made, to look at it'),
  ],
  async run(args, opts, ctx) {
    const config = await loadWorkspace(args[0], opts, ctx.reporter);
    const { createWorkspace } = await import('../../../core/workspace.js');
    const { created, info } = await createWorkspace(config, {
      deleteIncomplete: opts.deleteIncomplete,
      sink: (e) => ctx.reporter.event(e),
    });
    ctx.reporter.result(
      { created, ...workspaceJson(info) },
      created
        ? `Created workspace ${info.name} (network ${info.network}${info.subnet === undefined ? '' : `, subnet ${info.subnet}`}).`
        : `Workspace ${info.name} already exists (network ${info.network}).`,
    );
  },
});
