import { defineCommand, opt } from '../../command-spec.js';

export const command = defineCommand({
  name: 'gc',
  description:
    'find what belongs to no live cluster (labelled containers, state and data-disk folders, locks of dead processes, hosts a pool still holds) and, with --yes, remove it',
  options: [
    opt.string('--workspace <name>', 'only this workspace'),
    opt.flag('-y, --yes', 'remove what was found (without it, gc only lists it)'),
  ],
  async run(_args, opts, ctx) {
    const { collectGarbage } = await import('../../../core/gc/index.js');
    const { renderGc } = await import('../../gc-render.js');
    const remove = opts.yes === true;
    const result = await collectGarbage({ workspace: opts.workspace, remove });
    ctx.reporter.result(result, renderGc(result, remove));
    if (result.failed.length > 0) process.exitCode = 1;
  },
});
