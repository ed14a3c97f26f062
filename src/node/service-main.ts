/**
 * The node-side calls every node makes on its way up, without the command line around them:
 * bin/cloudtik.js comes here for `cloudtik node run|start|batch`, and what this entry does not
 * run itself (help, other flags, a call that is not the updater's) goes on to the command line.
 * So these calls start without loading and building every command of the CLI first (a pod of
 * 0.4 core pays each ms of CPU about 2.5 times over on a new node's way up). In the node image:
 * - `cloudtik node run <service>`, what a node service's supervisor runs (every node's agent, the
 *   head's controller and job runner): 50 ms of CPU to the same point instead of 63;
 * - `cloudtik node start` with its own flags only, a node's start command (a worker's only one):
 *   53 ms instead of 67;
 * - `cloudtik node batch`, a call's consecutive `cloudtik` commands in one process: its `node
 *   start` commands run here (a head's three start commands: 79 ms instead of 92), any other
 *   through the command line, loaded then.
 * The commands themselves (run.ts, start.ts, batch.ts) share this code.
 */
import { optionKey } from '../cli/command-spec.js';
import { command as startCommand } from '../cli/commands/node/start.js';
import { env } from '../config/env.js';
import { CloudtikError } from '../core/errors.js';

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

/**
 * `cloudtik node start` with `flags` (see isNodeStart): what it prints and exits with are the
 * command's (src/cli/commands/node/start.ts); its exit code.
 */
async function startServices(flags: readonly string[]): Promise<number> {
  const { nodeStart, startedText } = await import('./manage.js');
  // Each flag is one of the command's own (isNodeStart), named as its options are.
  const r = await nodeStart(Object.fromEntries(flags.map((flag) => [optionKey(flag), true])));
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

/** `cloudtik node start` with only flags of its own (the command's), as a node's start commands give it. Pure. */
export function isNodeStart(argv: readonly string[]): boolean {
  const own = (startCommand.options ?? []).map((o) => o.flags);
  return argv[0] === 'node' && argv[1] === 'start' && argv.slice(2).every((arg) => own.includes(arg));
}

/** `cloudtik node run <service>`: one word, the service's name (else the command line's usage). Pure. */
function isServiceRun(argv: readonly string[]): boolean {
  return argv[0] === 'node' && argv[1] === 'run' && argv.length === 3 && /^[a-z]+$/.test(argv[2] ?? '');
}

/** The whole command line, for a call this entry does not run itself. */
async function inCli(argv: readonly string[]): Promise<void> {
  const cli = await import('../cli/main.js');
  await cli.main([...argv]);
}

/** `argv` as bin/cloudtik.js has it: node, the script, `node`, then `run`, `start` or `batch` and their arguments. */
export async function main(argv: readonly string[]): Promise<void> {
  const args = argv.slice(2);
  try {
    if (args[1] === 'batch') await batch(argv);
    else if (isNodeStart(args)) process.exitCode = await startServices(args.slice(2));
    else if (isServiceRun(args)) await runService(args[2]);
    else await inCli(argv);
  } catch (err) {
    process.exitCode = await shown(err);
  }
}

/** `node batch`: its `node start` commands here, any other through the command line (see batchCall). */
async function batch(argv: readonly string[]): Promise<void> {
  const { batchCall, runCalls, runInCli } = await import('./batch-run.js');
  const call = batchCall(argv.slice(4));
  if (call === undefined) return inCli(argv);
  const runOne = async (args: string[]): Promise<number> =>
    isNodeStart(args) ? startServices(args.slice(2)).catch(shown) : runInCli(args);
  process.exitCode = await runCalls(call.calls, { ...call.run, verbose: env.verbose() }, runOne);
}
