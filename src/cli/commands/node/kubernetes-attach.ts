import type { CommandSpec } from '../../command-spec.js';
import { parsePorts } from '../../common.js';

/** What `cloudtik attach` runs for a kubernetes node: a terminal on the pod through the API; not for users. */
export const command: CommandSpec = {
  name: 'kubernetes-attach',
  hidden: true,
  description: 'open a terminal on a kubernetes node pod (run by cloudtik attach)',
  options: [
    { flags: '--namespace <name>', description: "the pod's namespace" },
    { flags: '--pod <name>', description: 'the pod' },
    { flags: '--user <name>', description: 'the user the shell runs as' },
    { flags: '--kubeconfig <file>', description: 'credentials (default: KUBECONFIG, ~/.kube/config, in-cluster)' },
    { flags: '--run <command>', description: 'run this instead of a login shell' },
    {
      flags: '--forward <ports>',
      description: 'forward these local ports (comma-separated) to the same ports on the pod',
      parse: parsePorts,
    },
  ],
  async run(_args, opts, ctx) {
    const { providerNodeCommand } = await import('../../common.js');
    const attach = await providerNodeCommand('kubernetes', 'kubernetes-attach');
    await attach(opts, ctx.signal);
    // The remote shell's exit code, which the command left in process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  },
};
