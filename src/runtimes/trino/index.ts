import type { RuntimeDefinition, RuntimeIssue, SizingInput } from '../runtime.js';
import { TRINO_VERSION } from '../../core/host/versions.js';
import { COORDINATOR_PORT, metastoreUri, relayService, trinoMemory, WORKER_PORT } from './settings.js';

/**
 * What the config loader says about a query engine of the Trino family (trino, presto; `product`
 * names it in messages): it needs a metastore for its hive catalog (the metastore runtime or
 * `hive_metastore_uri`), and sizes its heaps from the head's and the smallest worker type's
 * memory (the options override them). Pure.
 */
export function prepareQueryEngine(
  product: string,
  { options, types, head, workerTypes }: SizingInput,
): { values: Record<string, unknown>; issues: RuntimeIssue[] } {
  const issues: RuntimeIssue[] = [];
  if (metastoreUri(options, types, 'head') === undefined) {
    issues.push({
      path: ['runtime', 'types'],
      message: `${product}'s hive catalog needs a Hive metastore, and runtime.types has no metastore`,
      hint: `add metastore to runtime.types (with mysql or postgres), or set runtime.${product}.hive_metastore_uri (metastore_service_discovery: false leaves the one of the cluster out)`,
    });
  }
  const workerMb = Math.min(...workerTypes.map((w) => w.memoryMb).filter((m) => m > 0));
  const given = (key: string): number | undefined => (typeof options[key] === 'number' ? options[key] : undefined);
  return {
    values: {
      coordinator_heap_size: trinoMemory(head.memoryMb, given('coordinator_heap_size')).heapMb,
      worker_heap_size: trinoMemory(Number.isFinite(workerMb) ? workerMb : 0, given('worker_heap_size')).heapMb,
    },
    issues,
  };
}

/** Trino's config-load checks and sizing (see {@link prepareQueryEngine}). Pure. */
export function prepareTrino(input: SizingInput): { values: Record<string, unknown>; issues: RuntimeIssue[] } {
  return prepareQueryEngine('trino', input);
}

const heapOption = (who: string): Record<string, unknown> => ({
  type: 'integer',
  minimum: 256,
  description: `The ${who}'s JVM heap in MB (default: 80% of its node type's memory, at least 512).`,
});

/** The keys of `runtime.trino` and `runtime.presto` (CloudTik gives both engines the same ones). */
const QUERY_ENGINE_OPTIONS: Record<string, unknown> = {
  query_max_memory: {
    type: 'string',
    pattern: '^[0-9]+(\\.[0-9]+)?(B|kB|MB|GB|TB|PB)$',
    description: "query.max-memory: a query's memory over the whole cluster (default 50GB).",
  },
  catalogs: {
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    description: 'More catalogs: name -> the properties of etc/catalog/<name>.properties.',
  },
  hive_metastore_uri: {
    type: 'string',
    pattern: '^thrift://[^\\s/]+:[0-9]+$',
    description: 'A metastore outside the cluster (thrift://host:port); default: the metastore runtime of the cluster.',
  },
  metastore_service_discovery: {
    type: 'boolean',
    description: "Find the metastore among the cluster's runtimes (default true).",
  },
  metastore_service_selector: {
    type: 'object',
    description: 'Which discovered metastore service to use (CloudTik key; one cluster has one).',
  },
  coordinator_heap_size: heapOption('coordinator'),
  worker_heap_size: heapOption('workers'),
};

/** The defaults of {@link QUERY_ENGINE_OPTIONS}. */
const QUERY_ENGINE_DEFAULTS: Record<string, unknown> = {
  query_max_memory: '50GB',
  catalogs: {},
  metastore_service_discovery: true,
};

/**
 * The runtime definition of a Trino-family engine (`trino`, `presto`): the coordinator on the head
 * and a worker on every worker, their services, web UI and CLI usage, over trino's options.
 */
export function queryEngineRuntime(e: {
  name: string;
  label: string;
  version: string;
  prepare: RuntimeDefinition['prepare'];
}): RuntimeDefinition {
  return {
    name: e.name,
    description: `${e.label} (${e.version}): the coordinator on the head, a worker on every worker, with a hive catalog over the metastore and HDFS`,
    dependencies: ['hdfs', 'metastore'],
    image: 'cloudtik/sql-runtime',
    closedOptions: true,
    defaults: QUERY_ENGINE_DEFAULTS,
    options: QUERY_ENGINE_OPTIONS,
    services: [
      { name: `${e.name}-coordinator`, on: 'head', port: COORDINATOR_PORT },
      { name: relayService(e.name), on: 'head' },
      { name: `${e.name}-worker`, on: 'worker', port: WORKER_PORT },
    ],
    endpoints: [{ name: `${e.label} Web UI`, port: COORDINATOR_PORT, path: '/', scheme: 'http' }],
    usage: [`cloudtik exec {file} '${e.name} --execute "SHOW SCHEMAS FROM hive"'   # the ${e.label} CLI on the head`],
    prepare: e.prepare,
  };
}

export const trino = queryEngineRuntime({
  name: 'trino',
  label: 'Trino',
  version: TRINO_VERSION,
  prepare: prepareTrino,
});
