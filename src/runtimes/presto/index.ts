import type { RuntimeDefinition, RuntimeIssue, SizingInput } from '../runtime.js';
import { prepareQueryEngine, QUERY_ENGINE_DEFAULTS, QUERY_ENGINE_OPTIONS } from '../trino/index.js';
import { COORDINATOR_PORT, WORKER_PORT } from './settings.js';

/**
 * What the config loader says about Presto: trino's checks and sizing (a metastore for the hive
 * catalog, heaps from the node types), and that trino is not in the same cluster: both take the
 * coordinator's and the workers' ports (8081, 8080), as CloudTik has them. Pure.
 */
export function preparePresto(input: SizingInput): { values: Record<string, unknown>; issues: RuntimeIssue[] } {
  const prepared = prepareQueryEngine('presto', input);
  if (input.types.includes('trino')) {
    prepared.issues.push({
      path: ['runtime', 'types'],
      message: 'presto and trino cannot run in one cluster: both serve on ports 8081 (coordinator) and 8080 (workers)',
      hint: 'keep one of them in runtime.types (they read the same hive tables through the metastore)',
    });
  }
  return prepared;
}

export const presto: RuntimeDefinition = {
  name: 'presto',
  description:
    'Presto (PrestoDB 0.287): the coordinator on the head, a worker on every worker, with a hive catalog over the metastore and HDFS',
  dependencies: ['hdfs', 'metastore'],
  image: 'cloudtik/sql-runtime',
  closedOptions: true,
  defaults: QUERY_ENGINE_DEFAULTS,
  options: QUERY_ENGINE_OPTIONS,
  services: [
    { name: 'presto-coordinator', on: 'head', port: COORDINATOR_PORT },
    { name: 'presto-worker', on: 'worker', port: WORKER_PORT },
  ],
  endpoints: [{ name: 'Presto Web UI', port: COORDINATOR_PORT, path: '/', scheme: 'http' }],
  usage: ['cloudtik exec {file} \'presto --execute "SHOW SCHEMAS FROM hive"\'   # the Presto CLI on the head'],
  prepare: preparePresto,
};
