import { defineCommand, opt } from '../../command-spec.js';
import { loadWorkspace, yesOption } from '../../common.js';
import { WORKSPACE_FILE_ARG } from './create.js';

export const command = defineCommand({
  name: 'update',
  description:
    'apply a workspace config to an existing workspace: what it needs is checked and made again where missing (virtual: the Docker network); managed storage and databases are cloud-only',
  arguments: [WORKSPACE_FILE_ARG],
  options: [
    opt.string('-n, --workspace-name <name>', 'override the configured workspace name'),
    yesOption,
    opt.flag('--delete-managed-storage', 'delete the managed cloud storage (cloud providers only)'),
    opt.flag('--no-delete-managed-storage', 'keep the managed cloud storage (the default)'),
    opt.flag('--delete-managed-database', 'delete the managed database (cloud providers only)'),
    opt.flag('--no-delete-managed-database', 'keep the managed database (the default)'),
  ],
  async run(args, opts, ctx) {
    const config = await loadWorkspace(args[0], opts, ctx.reporter);
    const { loadProvider } = await import('../../../providers/registry.js');
    const { CloudtikError } = await import('../../../core/errors.js');
    const workspaces = await (await loadProvider(config.provider.type)).workspaces(config.provider);
    if (!(await workspaces.get(config.workspace_name))) {
      throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `workspace ${config.workspace_name} does not exist`, {
        hint: 'create it with: cloudtik workspace create <workspace.yaml>',
      });
    }
    for (const what of ['Storage', 'Database'] as const) {
      if (opts[`deleteManaged${what}`] === true)
        ctx.reporter.warn(`provider ${config.provider.type} has no managed ${what.toLowerCase()}: nothing to delete`);
    }
    const { info } = await workspaces.create(config.workspace_name);
    ctx.reporter.result(
      { workspace: info.name, updated: true, network: info.network, ...(info.subnet ? { subnet: info.subnet } : {}) },
      `Workspace ${info.name} is up to date (network ${info.network}${info.subnet === undefined ? '' : `, subnet ${info.subnet}`}).`,
    );
  },
});
