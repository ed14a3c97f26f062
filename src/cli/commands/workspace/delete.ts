import { defineCommand, opt } from '../../command-spec.js';
import { confirm, loadWorkspace, workspaceCommandNameOption, yesOption } from '../../common.js';
import { WORKSPACE_FILE_ARG } from './create.js';
import { MANAGED_OPTIONS, managedNotes } from './managed.js';

export const command = defineCommand({
  name: 'delete',
  description: 'delete a workspace; refuses while clusters live in it unless --force',
  arguments: [WORKSPACE_FILE_ARG],
  options: [
    workspaceCommandNameOption,
    yesOption,
    opt.flag('--force', 'also remove the clusters living in the workspace'),
    ...MANAGED_OPTIONS,
  ],
  async run(args, opts, ctx) {
    const config = await loadWorkspace(args[0], opts, ctx.reporter);
    for (const note of managedNotes(opts, config.provider.type)) ctx.reporter.info(note);
    if (!(await confirm(`Delete workspace ${config.workspace_name}?`, opts.yes === true))) return 1;
    const { deleteWorkspace } = await import('../../../core/workspace.js');
    const r = await deleteWorkspace(config, { force: opts.force === true, sink: (e) => ctx.reporter.event(e) });
    const text = r.deleted
      ? `Deleted workspace ${config.workspace_name}.`
      : `Workspace ${config.workspace_name} does not exist.`;
    ctx.reporter.result(
      { workspace: config.workspace_name, ...r },
      r.stoppedClusters.length > 0 ? `${text} Removed clusters: ${r.stoppedClusters.join(', ')}.` : text,
    );
  },
});
