/**
 * The node-side calls every node makes on its way up, without the command line around them:
 * bin/cloudtik.js comes here straight for exactly those calls, so they start without loading and
 * building every command of the CLI first. `cloudtik node run <service>` is what a node service's
 * supervisor runs (every node's agent, the head's controller and job runner): in the node image,
 * 50 ms of CPU to the same point instead of 63, which a pod of 0.4 core pays about 2.5 times over
 * on a new node's way up. `cloudtik node start` with its own flags only is a node's start command
 * (a worker's only one): 53 ms of CPU instead of 67. `cloudtik node run` and `node start`
 * themselves (run.ts, start.ts) call the same code.
 */
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
 * `cloudtik node start` with these flags only (bin/cloudtik.js checks): what it prints and exits
 * with are the command's (src/cli/commands/node/start.ts).
 */
async function startServices(flags: readonly string[]): Promise<void> {
  const { nodeStart, startedText } = await import('./manage.js');
  const has = (flag: string): boolean => flags.includes(flag);
  const r = await nodeStart({
    head: has('--head'),
    state: has('--state'),
    controller: has('--controller'),
    restart: has('--restart'),
  });
  if (r.code !== undefined) {
    process.exitCode = r.code;
    return;
  }
  const text = startedText(r);
  if (text !== '') process.stdout.write(`${text}\n`);
}

/** `argv` as bin/cloudtik.js has it: node, the script, `node`, then `run <service>` or `start [flags]`. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    if (argv[3] === 'start') await startServices(argv.slice(4));
    else await runService(argv[4]);
  } catch (err) {
    const { renderError } = await import('../cli/errors.js');
    process.exitCode = renderError(err, { verbose: env.verbose(), json: false });
  }
}
