import type { CommandGroupSpec } from '../../command-spec.js';
import { HISTORY_SERVER_PORT } from '../../../runtimes/flink/settings.js';
import { infoCommand, restCommand } from './shared.js';

export const flinkGroup: CommandGroupSpec = {
  name: 'flink',
  description: 'commands for the Flink runtime',
  commands: [
    restCommand({
      name: 'jobs',
      description: 'list the jobs the Flink history server knows (its REST API, asked on the head)',
      runtime: 'flink',
      port: HISTORY_SERVER_PORT,
      base: '',
      fallback: '/jobs/overview',
      endpointHelp: 'another resource of the history server REST API (default: /jobs/overview)',
    }),
    infoCommand('Flink'),
  ],
};
