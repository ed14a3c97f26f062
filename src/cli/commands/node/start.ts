import { defineCommand, opt } from '../../command-spec.js';

export const command = defineCommand({
  name: 'start',
  description: 'start node services here (on a node): the agent, or the state store / controller on the head',
  options: [
    opt.flag('--head', 'this node is the head'),
    opt.flag('--state', "start the head's state store (Redis)"),
    opt.flag('--controller', 'start the cluster controller (head only)'),
    opt.flag('--restart', 'stop the named services first'),
  ],
  async run(_args, opts, ctx) {
    const { nodeStart, startedText } = await import('../../../node/manage.js');
    const r = await nodeStart({
      head: opts.head === true,
      state: opts.state === true,
      controller: opts.controller === true,
      restart: opts.restart === true,
    });
    if (r.code !== undefined) return r.code;
    ctx.reporter.result(r, startedText(r));
  },
});
