import { PRESTO_VERSION } from '../../core/host/versions.js';
import type { RuntimeIssue, SizingInput } from '../runtime.js';
import { prepareQueryEngine, queryEngineRuntime } from '../trino/index.js';

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

export const presto = queryEngineRuntime({
  name: 'presto',
  label: 'Presto',
  version: `PrestoDB ${PRESTO_VERSION}`,
  prepare: preparePresto,
});
