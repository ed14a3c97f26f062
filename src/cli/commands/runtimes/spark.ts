import type { CommandGroupSpec } from '../../command-spec.js';
import { infoCommand, restCommand } from './shared.js';

export const sparkGroup: CommandGroupSpec = {
  name: 'spark',
  description: 'commands for the Spark runtime',
  commands: [
    restCommand({
      name: 'applications',
      description: 'list the applications the Spark history server knows (its REST API, asked on the head)',
      runtime: 'spark',
      port: 18080, // the history server's REST port (SPARK_HISTORY_SERVER_API_PORT in CloudTik)
      base: '/api/v1',
      fallback: '/applications',
      endpointHelp: 'another resource of the history server REST API (default: /applications)',
    }),
    infoCommand('Spark'),
  ],
};
