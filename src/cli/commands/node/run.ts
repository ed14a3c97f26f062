import { defineCommand } from '../../command-spec.js';

/** What the supervisor runs: a node service in the foreground, logging JSON to stdout (see node/service-main.ts). */
export const command = defineCommand({
  name: 'run',
  hidden: true,
  description: 'run a node service in the foreground (agent | controller | jobs)',
  arguments: [{ name: '<service>', description: 'agent, controller or jobs' }],
  async run(args) {
    const { runService } = await import('../../../node/service-main.js');
    await runService(args[0]);
  },
});
