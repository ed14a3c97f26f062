import { defineCommand, opt } from '../../command-spec.js';

/** A `runtime services <runtime> stop [--head]` call: which runtime, and whether on the head. */
interface RuntimeStop {
  runtime: string;
  head: boolean;
}

function runtimeStopOf(argv: readonly string[]): RuntimeStop | undefined {
  const [group, sub, runtime, action, ...rest] = argv;
  if (group !== 'runtime' || sub !== 'services' || action !== 'stop' || runtime === undefined) return undefined;
  if (rest.length > 1 || (rest.length === 1 && rest[0] !== '--head')) return undefined;
  return { runtime, head: rest.length === 1 };
}

/** The runtime stops that follow one another from index `k` on. */
function stopsFrom(calls: readonly string[][], k: number): RuntimeStop[] {
  const stops: RuntimeStop[] = [];
  for (let stop; k < calls.length && (stop = runtimeStopOf(calls[k] ?? [])); k++) stops.push(stop);
  return stops;
}

/**
 * Runtime stops that follow one another run at once: each stops its own daemons on this node
 * (a NameNode, a ResourceManager, a history server; a DataNode, a NodeManager, an exporter), and
 * none waits for another, so a node's stop takes as long as its slowest daemon instead of the
 * sum of all. Each prints what `runtime services` prints; a failure is marked and the rest go on.
 */
async function stopTogether(stops: RuntimeStop[], first: number, nonce: string, verbose: boolean): Promise<void> {
  const [{ runtimeServices }, { markerLine }, { renderError }] = await Promise.all([
    import('../../../runtimes/node/index.js'),
    import('../../../core/command/batch.js'),
    import('../../errors.js'),
  ]);
  const results = await Promise.allSettled(stops.map((s) => runtimeServices(s.runtime, 'stop', s.head)));
  for (const [i, r] of results.entries()) {
    if (r.status === 'fulfilled') {
      process.stdout.write(`${stops[i]?.runtime}: stop done\n`);
      continue;
    }
    const exitCode = renderError(r.reason, { verbose, json: false });
    process.stdout.write(markerLine(nonce, { type: 'fail', index: first + i, exitCode }));
  }
}

/**
 * What a node's command batch runs for consecutive plain `cloudtik` commands (see
 * core/command/batch.ts): each command in turn in this process, as `cloudtik <command>` would run it,
 * with the batch's markers on stdout. The batch script marks the first command's start and a failure
 * that ends this process; with `--keep-going` (stop commands) this process marks each failure
 * itself and goes on, and runtime stops that follow one another run at once (see stopTogether).
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
    const [{ main }, { markerLine, plainCloudtikArgs }, { CloudtikError }] = await Promise.all([
      import('../../main.js'),
      import('../../../core/command/batch.js'),
      import('../../../core/errors.js'),
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
    for (let k = 0; k < calls.length;) {
      const stops = opts.keepGoing === true ? stopsFrom(calls, k) : [];
      const n = Math.max(stops.length, 1);
      for (let j = Math.max(k, 1); j < k + n; j++)
        process.stdout.write(markerLine(nonce, { type: 'run', index: first + j }));
      if (stops.length > 1) {
        await stopTogether(stops, first + k, nonce, ctx.verbose);
        k += n;
        continue;
      }
      process.exitCode = 0;
      await main([process.argv[0] ?? 'node', 'cloudtik', ...(calls[k] ?? [])]);
      const code = Number(process.exitCode ?? 0);
      process.exitCode = 0;
      if (code !== 0) {
        if (opts.keepGoing !== true) return code;
        process.stdout.write(markerLine(nonce, { type: 'fail', index: first + k, exitCode: code }));
      }
      k += 1;
    }
    return 0;
  },
});
