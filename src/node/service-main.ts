/**
 * The node-side calls every node makes on its way up, without the command line around them:
 * bin/cloudtik.js comes here straight for those calls, so they start without loading and
 * building every command of the CLI first (a pod of 0.4 core pays each ms of CPU about 2.5 times
 * over on a new node's way up). In the node image:
 * - `cloudtik node run <service>`, what a node service's supervisor runs (every node's agent, the
 *   head's controller and job runner): 50 ms of CPU to the same point instead of 63;
 * - `cloudtik node start` with its own flags only, a node's start command (a worker's only one):
 *   53 ms instead of 67;
 * - `cloudtik node batch`, a call's consecutive `cloudtik` commands in one process: its `node
 *   start` commands run here (a head's three start commands: 79 ms instead of 92), any other
 *   through the command line, loaded then.
 * The commands themselves (run.ts, start.ts, batch.ts) share this code.
 */
import { command as startCommand } from '../cli/commands/node/start.js';
import { env } from '../config/env.js';
import { plainCloudtikArgs } from '../core/command/batch.js';
import { CloudtikError } from '../core/errors.js';
import { runCalls, runInCli, type BatchRun, type RunOne } from './batch-run.js';

const SERVICES = ['agent', 'controller', 'jobs'] as const;
type ServiceName = (typeof SERVICES)[number];

/** Run the named service in the foreground until it is told to stop. */
export async function runService(name: string | undefined): Promise<void> {
  if (!SERVICES.includes(name as ServiceName)) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown service ${String(name)}`, {
      hint: `use ${SERVICES.slice(0, -1).join(', ')} or ${SERVICES.at(-1)}`,
    });
  }
  // Loaded only for a service it can run: the daemons' module is most of a service's start.
  const daemon = await import('./daemon.js');
  const run: Record<ServiceName, () => Promise<void>> = {
    agent: daemon.runAgentService,
    controller: daemon.runControllerService,
    jobs: daemon.runJobsService,
  };
  await run[name as ServiceName]();
}

/** `cloudtik node start` with only flags of its own (the command's), as a node's start commands give it. Pure. */
export function isNodeStart(argv: readonly string[]): boolean {
  const own = (startCommand.options ?? []).map((o) => o.flags);
  return argv[0] === 'node' && argv[1] === 'start' && argv.slice(2).every((arg) => own.includes(arg));
}

/**
 * `cloudtik node start` with `flags` (see isNodeStart): what it prints and exits with are the
 * command's (src/cli/commands/node/start.ts); its exit code.
 */
async function startServices(flags: readonly string[]): Promise<number> {
  const { nodeStart, startedText } = await import('./manage.js');
  const has = (flag: string): boolean => flags.includes(flag);
  const r = await nodeStart({
    head: has('--head'),
    state: has('--state'),
    controller: has('--controller'),
    restart: has('--restart'),
  });
  if (r.code !== undefined) return r.code;
  const text = startedText(r);
  if (text !== '') process.stdout.write(`${text}\n`);
  return 0;
}

/** An error as the command line shows it; its exit code. */
async function shown(err: unknown): Promise<number> {
  const { renderError } = await import('../cli/errors.js');
  return renderError(err, { verbose: env.verbose(), json: false });
}

/**
 * `node batch` as the node updater's script calls it (core/command/batch.ts): `--nonce <hex>
 * --first <index> [--keep-going] -- <command>...`, each command plain; undefined for anything
 * else (the command line then takes it, and says what is wrong). Pure.
 */
export function batchCall(args: readonly string[]): { run: Omit<BatchRun, 'verbose'>; calls: string[][] } | undefined {
  const [nonceFlag, nonce = '', firstFlag, first = '', ...rest] = args;
  if (nonceFlag !== '--nonce' || firstFlag !== '--first' || !/^[0-9a-f]+$/.test(nonce) || !/^\d+$/.test(first)) {
    return undefined;
  }
  const keepGoing = rest[0] === '--keep-going';
  const [dashes, ...commands] = keepGoing ? rest.slice(1) : rest;
  const calls = commands.map((c) => plainCloudtikArgs(`cloudtik ${c}`));
  if (dashes !== '--' || calls.length === 0 || calls.some((c) => c === undefined)) return undefined;
  return { run: { nonce, first: Number(first), keepGoing }, calls: calls as string[][] };
}

/** One command of a batch: `node start` here, anything else through the command line. */
const runOne: RunOne = async (argv) => {
  if (!isNodeStart(argv)) return runInCli(argv);
  return startServices(argv.slice(2)).catch(shown);
};

/**
 * `argv` as bin/cloudtik.js has it: node, the script, `node`, then `run <service>`, `start
 * [flags]` or `batch ...` (one the command line takes when it is not the updater's).
 */
export async function main(argv: readonly string[]): Promise<void> {
  const call = argv[3] === 'batch' ? batchCall(argv.slice(4)) : undefined;
  if (argv[3] === 'batch' && call === undefined) {
    const cli = await import('../cli/main.js');
    return cli.main([...argv]);
  }
  try {
    if (call) process.exitCode = await runCalls(call.calls, { ...call.run, verbose: env.verbose() }, runOne);
    else if (argv[3] === 'start') process.exitCode = await startServices(argv.slice(4));
    else await runService(argv[4]);
  } catch (err) {
    process.exitCode = await shown(err);
  }
}
