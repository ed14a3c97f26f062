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
    const { checkedBatch, runCalls, runInCli } = await import('../../../node/batch-run.js');
    const { run, calls } = checkedBatch({
      nonce: opts.nonce ?? '',
      first: opts.first ?? '',
      keepGoing: opts.keepGoing === true,
      commands: args,
    });
    return runCalls(calls, { ...run, verbose: ctx.verbose }, runInCli);
  },
});
