import type { CommandSpec } from '../../command-spec.js';

export const command: CommandSpec = {
  name: 'stop',
  description: 'stop node services here (on a node): the agent, or the state store / controller',
  options: [
    { flags: '--state', description: "stop the head's state store" },
    { flags: '--controller', description: 'stop the cluster controller' },
    { flags: '--all', description: 'stop every node service' },
    { flags: '--services', description: 'stop every service this node runs, runtime daemons included' },
    { flags: '--kill', description: 'with --services: kill at once, as a crash would' },
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
};
