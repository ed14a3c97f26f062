/**
 * The SQL runtimes' options at config load: CloudTik's keys are taken, a bad value, an unknown key
 * or a runtime the metastore, trino or presto needs and does not have, or trino and presto in one
 * cluster, is a config error with its position and a hint (before anything is created), and the
 * embedded Derby database is a warning.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadClusterConfig } from './load.js';
import type { ConfigIssue } from './types.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cloudtik-sql-config-'));
  vi.stubEnv('CLOUDTIK_USER_TEMPLATES', '');
  vi.stubEnv('CLOUDTIK_DEFAULT_MAX_WORKERS', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

function write(text: string): string {
  const file = path.join(dir, 'c.yaml');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `cluster_name: demo\nprovider:\n  type: virtual\nruntime:\n${text}`);
  return file;
}

async function issuesOf(text: string): Promise<Array<Partial<ConfigIssue>>> {
  const err = await loadClusterConfig(write(text)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues.map(({ line, col, path: p, message, hint }) => ({
    line,
    col,
    path: p,
    message,
    hint,
  }));
}

describe('SQL runtimes at config load', () => {
  it("takes CloudTik's keys, orders the databases before the metastore and picks the image that carries Spark too", async () => {
    const { config, warnings } = await loadClusterConfig(
      write(
        '  types: [hdfs, spark, metastore, mysql]\n  mysql:\n    root_password: secret1\n    database: {name: app, user: app, password: secret2}\n',
      ),
    );
    expect(config.runtime.types).toEqual(['hdfs', 'yarn', 'spark', 'mysql', 'metastore']);
    expect(config.runtime.mysql).toMatchObject({ port: 3306, cluster_mode: 'none', root_password: 'secret1' });
    expect(config.runtime.metastore).toMatchObject({ heap_size: expect.any(Number) as number });
    expect(warnings).toEqual([]);
  });

  it("takes trino's keys and sizes its heaps from the node types", async () => {
    const { config, warnings } = await loadClusterConfig(
      write('  types: [hdfs, spark, postgres, metastore, trino]\n  trino:\n    query_max_memory: 4GB\n'),
    );
    expect(config.runtime.types).toEqual(['hdfs', 'yarn', 'spark', 'postgres', 'metastore', 'trino']);
    expect(config.runtime.trino).toMatchObject({
      query_max_memory: '4GB',
      coordinator_heap_size: expect.any(Number) as number,
      worker_heap_size: expect.any(Number) as number,
    });
    expect(warnings).toEqual([]);
  });

  it("takes presto's keys (trino's) and sizes its heaps from the node types", async () => {
    const { config, warnings } = await loadClusterConfig(
      write(
        '  types: [hdfs, spark, mysql, metastore, presto]\n  presto:\n    query_max_memory: 4GB\n    catalogs: {mem: {connector.name: memory}}\n',
      ),
    );
    expect(config.runtime.types).toEqual(['hdfs', 'yarn', 'spark', 'mysql', 'metastore', 'presto']);
    expect(config.runtime.presto).toMatchObject({
      query_max_memory: '4GB',
      catalogs: { mem: { 'connector.name': 'memory' } },
      metastore_service_discovery: true,
      coordinator_heap_size: expect.any(Number) as number,
      worker_heap_size: expect.any(Number) as number,
    });
    expect(warnings).toEqual([]);
  });

  it('warns when the metastore has no database runtime (embedded Derby)', async () => {
    const { warnings } = await loadClusterConfig(write('  types: [hdfs, spark, metastore]\n'));
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('embedded Derby database') as string]);
  });

  it.each<[string, string, Partial<ConfigIssue>]>([
    [
      'a wrong type',
      '  types: [mysql]\n  mysql:\n    root_password: 12\n',
      { line: 7, col: 20, path: 'runtime.mysql.root_password', message: 'must be string' },
    ],
    [
      'an unknown key',
      '  types: [postgres]\n  postgres:\n    admin_pasword: x\n',
      { line: 7, col: 5, path: 'runtime.postgres.admin_pasword', message: 'unknown key' },
    ],
    [
      'an unknown key of the metastore',
      '  types: [metastore, mysql]\n  metastore:\n    database: {engine: mysql, adress: h}\n',
      { line: 7, col: 31, path: 'runtime.metastore.database.adress', message: 'unknown key' },
    ],
    [
      'an unsupported mode',
      '  types: [mysql]\n  mysql:\n    cluster_mode: group_replication\n',
      { line: 7, col: 19, path: 'runtime.mysql.cluster_mode', message: 'must be equal to one of the allowed values' },
    ],
    [
      'a missing required runtime',
      '  types: [metastore]\n  metastore:\n    database: {engine: postgres}\n',
      {
        line: 7,
        path: 'runtime.metastore.database.engine',
        message: expect.stringContaining('the postgres runtime is not in runtime.types') as string,
      },
    ],
    [
      'a wrong type of trino',
      '  types: [hdfs, spark, mysql, metastore, trino]\n  trino:\n    worker_heap_size: lots\n',
      { line: 7, col: 23, path: 'runtime.trino.worker_heap_size', message: 'must be integer' },
    ],
    [
      'an unknown key of trino',
      '  types: [hdfs, spark, mysql, metastore, trino]\n  trino:\n    query_max_memroy: 10GB\n',
      { line: 7, col: 5, path: 'runtime.trino.query_max_memroy', message: 'unknown key' },
    ],
    [
      "a trino catalog's wrong value",
      '  types: [hdfs, spark, mysql, metastore, trino]\n  trino:\n    catalogs: {mem: {connector.name: [memory]}}\n',
      { line: 7, path: 'runtime.trino.catalogs.mem.connector.name', message: 'must be string,number,boolean' },
    ],
    [
      'trino without a metastore',
      '  types: [hdfs, spark, trino]\n',
      {
        line: 5,
        col: 10,
        path: 'runtime.types',
        message: expect.stringContaining("trino's hive catalog needs a Hive metastore") as string,
      },
    ],
    [
      'a wrong type of presto',
      '  types: [hdfs, spark, mysql, metastore, presto]\n  presto:\n    coordinator_heap_size: 2g\n',
      { line: 7, col: 28, path: 'runtime.presto.coordinator_heap_size', message: 'must be integer' },
    ],
    [
      'an unknown key of presto',
      '  types: [hdfs, spark, mysql, metastore, presto]\n  presto:\n    hive_metastore: thrift://ms:9083\n',
      { line: 7, col: 5, path: 'runtime.presto.hive_metastore', message: 'unknown key' },
    ],
    [
      "presto's query memory in a unit it does not know",
      '  types: [hdfs, spark, mysql, metastore, presto]\n  presto:\n    query_max_memory: 4G\n',
      {
        line: 7,
        col: 23,
        path: 'runtime.presto.query_max_memory',
        message: expect.stringContaining('must match') as string,
      },
    ],
    [
      'presto without a metastore',
      '  types: [hdfs, spark, presto]\n',
      {
        line: 5,
        col: 10,
        path: 'runtime.types',
        message: expect.stringContaining("presto's hive catalog needs a Hive metastore") as string,
      },
    ],
    [
      'presto and trino in one cluster',
      '  types: [hdfs, spark, mysql, metastore, trino, presto]\n',
      {
        line: 5,
        col: 10,
        path: 'runtime.types',
        message: expect.stringContaining('presto and trino cannot run in one cluster') as string,
      },
    ],
    [
      'a database user without its password',
      '  types: [postgres]\n  postgres:\n    database: {name: app, user: app}\n',
      {
        line: 7,
        path: 'runtime.postgres.database',
        message: expect.stringContaining('database.password is missing') as string,
      },
    ],
  ])('%s is a config error with its position and a hint', async (_what, text, want) => {
    const issues = await issuesOf(text);
    expect(issues).toEqual([expect.objectContaining(want)]);
    expect(issues[0]?.hint).toEqual(expect.any(String));
  });
});
