import type { RuntimeDefinition, RuntimeIssue, SizingInput } from '../runtime.js';

export const METASTORE_PORT = 9083;

/** The database engines a metastore can use. */
export type MetastoreEngine = 'mysql' | 'postgres' | 'derby';

export interface MetastoreDatabaseChoice {
  engine: MetastoreEngine;
  /** Where it comes from: the config's `database`, a runtime of the cluster, or the embedded one. */
  source: 'configured' | 'runtime' | 'embedded';
}

/**
 * CloudTik's order: a configured `database` (with an address) first, then mysql in the cluster,
 * then postgres; where CloudTik refuses the config, the embedded Derby database (one metastore,
 * its data on the head). Pure.
 */
export function metastoreDatabase(options: Record<string, unknown>, types: readonly string[]): MetastoreDatabaseChoice {
  const db = (options.database ?? {}) as { engine?: 'mysql' | 'postgres'; address?: string };
  if (db.address !== undefined) return { engine: db.engine ?? 'mysql', source: 'configured' };
  if (db.engine !== undefined) return { engine: db.engine, source: 'runtime' };
  if (types.includes('mysql')) return { engine: 'mysql', source: 'runtime' };
  if (types.includes('postgres')) return { engine: 'postgres', source: 'runtime' };
  return { engine: 'derby', source: 'embedded' };
}

/** The metastore's heap from the head's memory: a twentieth, between 256 MB and 1 GB. Pure. */
export function metastoreHeapMb(headMemoryMb: number): number {
  return Math.min(1024, Math.max(256, Math.floor(headMemoryMb / 20 / 64) * 64));
}

/** What the config loader says about the metastore's database, and the heap it computes. */
export function prepareMetastore({ options, types, head }: SizingInput): {
  values: Record<string, unknown>;
  issues: RuntimeIssue[];
} {
  const issues: RuntimeIssue[] = [];
  const choice = metastoreDatabase(options, types);
  if (choice.source === 'runtime' && !types.includes(choice.engine)) {
    issues.push({
      path: ['runtime', 'metastore', 'database', 'engine'],
      message: `the metastore's database is ${choice.engine}, but the ${choice.engine} runtime is not in runtime.types and database.address is not set`,
      hint: `add ${choice.engine} to runtime.types, or give database.address (and its username and password)`,
    });
  }
  if (choice.engine === 'derby') {
    issues.push({
      path: ['runtime', 'types'],
      message:
        'the metastore has no mysql or postgres in runtime.types: it uses its embedded Derby database on the head (one metastore, no other clients of the database)',
      hint: 'add mysql or postgres to runtime.types for a database server behind the metastore',
      severity: 'warning',
    });
  }
  const heap = typeof options.heap_size === 'number' ? options.heap_size : metastoreHeapMb(head.memoryMb || 4096);
  return { values: { heap_size: heap }, issues };
}

export const metastore: RuntimeDefinition = {
  name: 'metastore',
  description:
    'The Hive standalone metastore (3.1.3) on the head, backed by mysql or postgres of the cluster (or its embedded Derby database); Spark uses it as its catalog, with the warehouse in HDFS',
  dependencies: ['hdfs', 'mysql', 'postgres'],
  image: 'cloudtik/sql-runtime',
  defaults: {},
  closedOptions: true,
  options: {
    database: {
      type: 'object',
      additionalProperties: false,
      properties: {
        engine: { enum: ['mysql', 'postgres'] },
        address: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        username: { type: 'string', minLength: 1 },
        password: { type: 'string', minLength: 1 },
        database: { type: 'string', minLength: 1 },
      },
      description:
        'An external database (engine, address, port, username, password, database); without address, the engine names the runtime of the cluster to use.',
    },
    database_service_discovery: { type: 'boolean', description: 'Accepted for CloudTik compatibility; no effect.' },
    database_service_selector: { type: 'object', description: 'Accepted for CloudTik compatibility; no effect.' },
    high_availability: { const: false, description: 'One metastore on the head (true is not supported).' },
    heap_size: {
      type: 'integer',
      minimum: 128,
      description: "The metastore's JVM heap in MB (default: from the head's memory).",
    },
  },
  configures: 'head',
  services: [{ name: 'metastore', on: 'head', port: METASTORE_PORT }],
  endpoints: [{ name: 'Hive metastore', port: METASTORE_PORT, scheme: 'thrift' }],
  usage: ["cloudtik exec {file} 'spark-sql -e \"SHOW TABLES\"'   # Spark's catalog is the metastore"],
  prepare: prepareMetastore,
};
