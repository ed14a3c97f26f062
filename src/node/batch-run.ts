/**
 * The loop of `cloudtik node batch` (see src/cli/commands/node/batch.ts and
 * core/command/batch.ts): consecutive plain `cloudtik` commands of a node's call, each in turn in
 * this process, with the batch's markers on stdout. Shared by the command and by the node-side
 * entry (src/node/service-main.ts), which runs a head's `node start` commands without the rest of
 * the CLI; each gives the way to run one command. Also the checks of a batch's parts, and how
 * that entry reads the updater's call of the batch.
 */
import { markerLine, plainCloudtikArgs } from '../core/command/batch.js';
import { CloudtikError } from '../core/errors.js';

export interface BatchRun {
  nonce: string;
  /** The index of the first command in the node's batch. */
  first: number;
  /** Run the next commands after a failed one (stop commands); this process marks each failure. */
  keepGoing: boolean;
  verbose: boolean;
}

/** Run one command as `cloudtik <argv>` would, in this process; its exit code. */
export type RunOne = (argv: string[]) => Promise<number>;

/** {@link RunOne} through the whole command line (loaded on first use). */
export const runInCli: RunOne = async (argv) => {
  const { main } = await import('../cli/main.js');
  process.exitCode = 0;
  await main([process.argv[0] ?? 'node', 'cloudtik', ...argv]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return code;
};

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
  const [{ runtimeServices }, { renderError }] = await Promise.all([
    import('../runtimes/node/index.js'),
    import('../cli/errors.js'),
  ]);
  const results = await Promise.allSettled(stops.map((s) => runtimeServices(s.runtime, 'stop', s.head)));
  for (const [i, r] of results.entries()) {
    if (r.status === 'fulfilled') {
      process.stdout.write(`${stops[i]?.runtime}: stop done\n`);
      continue;
    }
    // Its error under its own start on stderr (they all started before any of them ended).
    process.stderr.write(markerLine(nonce, { type: 'run', index: first + i }));
    const exitCode = renderError(r.reason, { verbose, json: false });
    process.stdout.write(markerLine(nonce, { type: 'fail', index: first + i, exitCode }));
  }
}

/**
 * Run `calls` in turn. The batch script marks the first command's start and a failure that ends
 * this process (the exit code returned); with `keepGoing` this marks each failure itself and goes
 * on (returning 0), and runtime stops that follow one another run at once (see stopTogether).
 */
export async function runCalls(calls: readonly string[][], o: BatchRun, runOne: RunOne): Promise<number> {
  for (let k = 0; k < calls.length;) {
    const stops = o.keepGoing ? stopsFrom(calls, k) : [];
    const n = Math.max(stops.length, 1);
    for (let j = Math.max(k, 1); j < k + n; j++) {
      // On both streams, as the batch script marks a command's start (see core/command/batch.ts).
      const marker = markerLine(o.nonce, { type: 'run', index: o.first + j });
      process.stdout.write(marker);
      process.stderr.write(marker);
    }
    if (stops.length > 1) {
      await stopTogether(stops, o.first + k, o.nonce, o.verbose);
      k += n;
      continue;
    }
    const code = await runOne(calls[k] ?? []);
    if (code !== 0) {
      if (!o.keepGoing) return code;
      process.stdout.write(markerLine(o.nonce, { type: 'fail', index: o.first + k, exitCode: code }));
    }
    k += 1;
  }
  return 0;
}

/**
 * A batch's parts checked, as the updater's script gives them (core/command/batch.ts): a hex
 * nonce, the first command's index, and each command plain (`cloudtik` left out); a usage error
 * for anything else.
 */
export function checkedBatch(p: { nonce: string; first: string; keepGoing: boolean; commands: readonly string[] }): {
  run: Omit<BatchRun, 'verbose'>;
  calls: string[][];
} {
  if (!/^[0-9a-f]+$/.test(p.nonce) || !/^\d+$/.test(p.first)) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'node batch needs --nonce <hex> and --first <index>');
  }
  const calls = p.commands.map((command) => {
    const argv = plainCloudtikArgs(`cloudtik ${command}`);
    if (!argv) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `not a plain cloudtik command: ${command}`, {
        hint: 'give each command as one argument, without "cloudtik", quotes or shell syntax',
      });
    }
    return argv;
  });
  return { run: { nonce: p.nonce, first: Number(p.first), keepGoing: p.keepGoing }, calls };
}

/**
 * `node batch` as the node updater's script calls it: `--nonce <hex> --first <index>
 * [--keep-going] -- <command>...` (see checkedBatch); undefined for anything else (the command
 * line then takes it, and says what is wrong). Pure.
 */
export function batchCall(args: readonly string[]): ReturnType<typeof checkedBatch> | undefined {
  const [nonceFlag, nonce = '', firstFlag, first = '', ...rest] = args;
  const keepGoing = rest[0] === '--keep-going';
  const [dashes, ...commands] = keepGoing ? rest.slice(1) : rest;
  if (nonceFlag !== '--nonce' || firstFlag !== '--first' || dashes !== '--' || commands.length === 0) return undefined;
  try {
    return checkedBatch({ nonce, first, keepGoing, commands });
  } catch {
    return undefined;
  }
}
