import { defineCommand, opt } from '../../command-spec.js';

export const command = defineCommand({
  name: 'stop',
  description: 'stop node services here (on a node): the agent, or the state store / controller',
  options: [
    opt.flag('--state', "stop the head's state store"),
    opt.flag('--controller', 'stop the cluster controller'),
    opt.flag('--all', 'stop every node service'),
    opt.flag('--services', 'stop every service this node runs, runtime daemons included'),
    opt.flag('--kill', 'with --services: kill at once, as a crash would'),
  ],
  async run(_args, opts, ctx) {
    const { nodeStop } = await import('../../../node/manage.js');
    const r = await nodeStop({
      state: opts.state === true,
      controller: opts.controller === true,
      all: opts.all === true,
      services: opts.services === true,
      kill: opts.kill === true,
    });
    if (r.code !== undefined) return r.code;
    ctx.reporter.result(r, r.stopped.map((s) => `stopped ${s}`).join('\n'));
  },
});
