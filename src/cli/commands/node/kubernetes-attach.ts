import { defineCommand, opt } from '../../command-spec.js';
import { parsePorts } from '../../common.js';

/** What `cloudtik attach` runs for a kubernetes node: a terminal on the pod through the API; not for users. */
export const command = defineCommand({
  name: 'kubernetes-attach',
  hidden: true,
  description: 'open a terminal on a kubernetes node pod (run by cloudtik attach)',
  options: [
    opt.string('--namespace <name>', "the pod's namespace"),
    opt.string('--pod <name>', 'the pod'),
    opt.string('--user <name>', 'the user the shell runs as'),
    opt.string('--kubeconfig <file>', 'credentials (default: KUBECONFIG, ~/.kube/config, in-cluster)'),
    opt.string('--run <command>', 'run this instead of a login shell'),
    opt.parsed(
      '--forward <ports>',
      'forward these local ports (comma-separated) to the same ports on the pod',
      parsePorts,
    ),
  ],
  async run(_args, opts, ctx) {
    const { providerNodeCommand } = await import('../../common.js');
    const attach = await providerNodeCommand('kubernetes', 'kubernetes-attach');
    await attach(opts, ctx.signal);
    // The remote shell's exit code, which the command left in process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  },
});
