/**
 * `cloudtik node run <service>`, the command a node service's supervisor runs (every node's agent,
 * the head's controller and job runner), without the command line around it: bin/cloudtik.js
 * comes here straight for exactly that call, so a service starts without loading and building
 * every command of the CLI first (in the node image, 50 ms of CPU to the same point instead of 63,
 * which a pod of 0.4 core pays about 2.5 times over on a new node's way up). `cloudtik node run`
 * itself (run.ts) calls the same {@link runService}.
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

/** `argv` as bin/cloudtik.js has it: node, the script, `node`, `run`, the service. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await runService(argv[4]);
  } catch (err) {
    const { renderError } = await import('../cli/errors.js');
    process.exitCode = renderError(err, { verbose: env.verbose(), json: false });
  }
}
