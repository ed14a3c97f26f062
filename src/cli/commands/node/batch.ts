import { defineCommand, opt } from '../../command-spec.js';

/**
 * What a node's command batch runs for consecutive plain `cloudtik` commands (see
 * core/command/batch.ts): each command in turn in this process, as `cloudtik <command>` would run it,
 * with the batch's markers on stdout. The batch script marks the first command's start and a failure
 * that ends this process; with `--keep-going` (stop commands) this process marks each failure
 * itself and goes on, and runtime stops that follow one another run at once (the loop is
 * src/node/batch-run.ts; a batch of `node start` commands, a head's start commands, runs through
 * the node-side entry instead, src/node/service-main.ts).
 */
export const command = defineCommand({
  name: 'batch',
  hidden: true,
  description: 'run several cloudtik commands in one process, for the node updater',
  arguments: [{ name: '<commands...>', description: 'the commands, each one argument without the leading "cloudtik"' }],
  options: [
    opt.string('--nonce <nonce>', "the batch's marker nonce"),
    opt.string('--first <index>', 'the index of the first command in the batch', '0'),
    opt.flag('--keep-going', 'run the next commands after a failed one'),
  ],
  async run(args, opts, ctx) {
    const [{ plainCloudtikArgs }, { CloudtikError }, { runCalls, runInCli }] = await Promise.all([
      import('../../../core/command/batch.js'),
      import('../../../core/errors.js'),
      import('../../../node/batch-run.js'),
    ]);
    const nonce = opts.nonce ?? '';
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
    const run = { nonce, first, keepGoing: opts.keepGoing === true, verbose: ctx.verbose };
    return runCalls(calls, run, runInCli);
  },
});
