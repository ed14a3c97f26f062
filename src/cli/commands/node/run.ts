import { defineCommand } from '../../command-spec.js';

/** What the supervisor runs: a node service in the foreground, logging JSON to stdout. */
export const command = defineCommand({
  name: 'run',
  hidden: true,
  description: 'run a node service in the foreground (agent | controller | jobs)',
  arguments: [{ name: '<service>', description: 'agent, controller or jobs' }],
  async run(args) {
    const daemon = await import('../../../node/daemon.js');
    if (args[0] === 'agent') await daemon.runAgentService();
    else if (args[0] === 'controller') await daemon.runControllerService();
    else if (args[0] === 'jobs') await daemon.runJobsService();
    else {
      const { CloudtikError } = await import('../../../core/errors.js');
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown service ${String(args[0])}`, {
        hint: 'use agent, controller or jobs',
      });
    }
  },
});
