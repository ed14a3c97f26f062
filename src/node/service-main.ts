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

/** Run the named service in the foreground until it is told to stop. */
export async function runService(name: string | undefined): Promise<void> {
  const daemon = await import('./daemon.js');
  if (name === 'agent') await daemon.runAgentService();
  else if (name === 'controller') await daemon.runControllerService();
  else if (name === 'jobs') await daemon.runJobsService();
  else {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown service ${String(name)}`, {
      hint: 'use agent, controller or jobs',
    });
  }
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
