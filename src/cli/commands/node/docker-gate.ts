import type { CommandSpec } from '../../command-spec.js';

/** What the cluster's gate container runs (the virtual provider's); not for users. */
export const command: CommandSpec = {
  name: 'docker-gate',
  hidden: true,
  description: "serve the cluster's filtered Docker API to its head (runs in the gate container)",
  options: [{ flags: '--socket <path>', description: 'where to listen (default: the gate folder the head mounts)' }],
  async run(_args, opts, ctx) {
    const { providerNodeCommand } = await import('../../common.js');
    await (await providerNodeCommand('virtual', 'docker-gate'))(opts, ctx.signal);
  },
};
