import { defineCommand } from '../../command-spec.js';

/** Renews the token a kubernetes head uses for the API (its controller does so by itself); not for users. */
export const command = defineCommand({
  name: 'kubernetes-token',
  hidden: true,
  description: "renew the head's Kubernetes service account token now (run on the head)",
  options: [],
  async run(_args, opts, ctx) {
    const { providerNodeCommand } = await import('../../common.js');
    const renew = await providerNodeCommand('kubernetes', 'kubernetes-token');
    await renew(opts, ctx.signal);
    return 0;
  },
});
