import { defineCommand, opt } from '../../command-spec.js';

/** What the cluster's gate container runs (the virtual provider's); not for users. */
export const command = defineCommand({
  name: 'docker-gate',
  hidden: true,
  description: "serve the cluster's filtered Docker API to its head (runs in the gate container)",
  options: [opt.string('--socket <path>', 'where to listen (default: the gate folder the head mounts)')],
  async run(_args, opts, ctx) {
    const { providerNodeCommand } = await import('../../common.js');
    const serve = await providerNodeCommand('virtual', 'docker-gate');
    await serve(opts, ctx.signal);
  },
});
