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
    const { nodeStart } = await import('../../../node/manage.js');
    const r = await nodeStart({
      head: opts.head === true,
      state: opts.state === true,
      controller: opts.controller === true,
      restart: opts.restart === true,
    });
    if (r.code !== undefined) return r.code;
    const text = [
      ...r.stopped.map((s) => `stopped ${s}`),
      ...r.started.map((s) => `started ${s}`),
      ...r.running.map((s) => `${s} already running`),
    ].join('\n');
    ctx.reporter.result(r, text);
  },
});
