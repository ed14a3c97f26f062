import type { CommandSpec } from '../../command-spec.js';

/**
 * What a node's command batch runs for consecutive plain `cloudtik` commands (see
 * core/command/batch.ts): each command in turn in this process, as `cloudtik <command>` would run it,
 * with the batch's markers on stdout. The batch script marks the first command's start and a failure
 * that ends this process; with `--keep-going` this process marks each failure itself and goes on.
 */
export const command: CommandSpec = {
  name: 'batch',
  hidden: true,
  description: 'run several cloudtik commands in one process, for the node updater',
  arguments: [{ name: '<commands...>', description: 'the commands, each one argument without the leading "cloudtik"' }],
  options: [
    { flags: '--nonce <nonce>', description: "the batch's marker nonce" },
    { flags: '--first <index>', description: 'the index of the first command in the batch', default: '0' },
    { flags: '--keep-going', description: 'run the next commands after a failed one' },
  ],
  async run(args, opts) {
    const [{ main }, { markerLine, plainCloudtikArgs }, { CloudtikError }] = await Promise.all([
      import('../../main.js'),
      import('../../../core/command/batch.js'),
      import('../../../core/errors.js'),
    ]);
    const nonce = typeof opts.nonce === 'string' ? opts.nonce : '';
    const first = Number(opts.first);
    if (!/^[0-9a-f]+$/.test(nonce) || !Number.isInteger(first) || first < 0) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'node batch needs --nonce <hex> and --first <index>');
    }
    const calls = args.map((command) => {
      const argv = plainCloudtikArgs(`cloudtik ${command}`);
      if (!argv) {
        throw new CloudtikError('ERR_CLOUDTIK_USAGE', `not a plain cloudtik command: ${command}`, {
          hint: 'give each command as one argument, without "cloudtik", quotes or shell syntax',
        });
      }
      return argv;
    });
    for (const [k, argv] of calls.entries()) {
      if (k > 0) process.stdout.write(markerLine(nonce, { type: 'run', index: first + k }));
      process.exitCode = 0;
      await main([process.argv[0] ?? 'node', 'cloudtik', ...argv]);
      const code = Number(process.exitCode ?? 0);
      process.exitCode = 0;
      if (code === 0) continue;
      if (opts.keepGoing !== true) return code;
      process.stdout.write(markerLine(nonce, { type: 'fail', index: first + k, exitCode: code }));
    }
    return 0;
  },
};
