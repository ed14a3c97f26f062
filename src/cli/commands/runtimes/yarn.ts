import type { CommandGroupSpec } from '../../command-spec.js';
import { restCommand } from './shared.js';

export const yarnGroup: CommandGroupSpec = {
  name: 'yarn',
  description: 'commands for the YARN runtime',
  commands: [
    restCommand({
      name: 'rest',
      description: "make a request to YARN's ResourceManager REST API on the head and print the answer",
      runtime: 'yarn',
      port: 8088, // the ResourceManager's web and REST port
      base: '/ws/v1',
      fallback: '/cluster/metrics',
      endpointHelp: 'the resource under /ws/v1 (default: /cluster/metrics)',
    }),
  ],
};
