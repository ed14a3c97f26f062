import { describe, expect, it } from 'vitest';
import type { RuntimeNodeContext } from '../node/context.js';
import { generatePassword, sqlString } from '../node/secrets.js';
import { metastoreDatabase, metastoreHeapMb } from './index.js';
import { jdbcOf, metastoreService, metastoreSite, type MetastoreConnection } from './node.js';
import { mysqlInitSql, mysqlPaths, mysqlService } from '../mysql/node.js';
import { pgpassLine, postgresInitSql, postgresService, postgresPaths } from '../postgres/node.js';
import { metastoreSettings } from '../spark/node.js';

function ctx(types: string[]): RuntimeNodeContext {
  return {
    head: true,
    nodeIp: '10.0.0.2',
    headIp: '10.0.0.2',
    nodeId: 'h',
    minWorkers: 1,
    runtime: { types },
    dataDisks: [],
    home: '/home/u/runtime',
    layout: { hadoopConfDir: '/c', sparkConfDir: '/s', sparkHome: '/opt/spark' },
  };
}

const SECRET = 'S3cr3t-pw_';

describe('metastoreDatabase', () => {
  it.each<[string, Record<string, unknown>, string[], ReturnType<typeof metastoreDatabase>]>([
    [
      'a configured address',
      { database: { address: 'db', engine: 'postgres' } },
      ['mysql'],
      { engine: 'postgres', source: 'configured' },
    ],
    [
      'a configured address, mysql by default',
      { database: { address: 'db' } },
      [],
      { engine: 'mysql', source: 'configured' },
    ],
    [
      'an engine names the runtime',
      { database: { engine: 'postgres' } },
      ['mysql', 'postgres'],
      { engine: 'postgres', source: 'runtime' },
    ],
    ['mysql before postgres', {}, ['postgres', 'mysql'], { engine: 'mysql', source: 'runtime' }],
    ['postgres', {}, ['postgres'], { engine: 'postgres', source: 'runtime' }],
    ['neither: Derby', {}, ['hdfs'], { engine: 'derby', source: 'embedded' }],
  ])('%s', (_what, options, types, want) => {
    expect(metastoreDatabase(options, types)).toEqual(want);
  });
});

describe('metastoreHeapMb', () => {
  it.each([
    [1024, 256],
    [4096, 256],
    [8192, 384],
    [16384, 768],
    [65536, 1024],
  ])('a head of %i MB: %i MB', (head, heap) => expect(metastoreHeapMb(head)).toBe(heap));
});

describe('passwords', () => {
  it('are generated URL-safe and long', () => {
    const p = generatePassword();
    expect(p).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generatePassword()).not.toBe(p);
  });
  it.each([
    ["it's", 'mysql', "'it''s'"],
    ['a\\b', 'mysql', "'a\\\\b'"],
    ['a\\b', 'postgres', "'a\\b'"],
  ] as const)('quote %s for %s', (v, dialect, want) => expect(sqlString(v, dialect)).toBe(want));
});

describe('mysqlInitSql', () => {
  it('sets root, then makes each database and user idempotently', () => {
    const sql = mysqlInitSql(SECRET, [
      { database: 'hive_metastore', user: { name: 'hive', password: 'p2' } },
      { database: 'only_db' },
    ]);
    expect(sql.split('\n').filter(Boolean)).toEqual([
      "DELETE FROM mysql.global_priv WHERE (User = 'root' AND Host NOT IN ('localhost', '%')) OR User = '';",
      'FLUSH PRIVILEGES;',
      `ALTER USER 'root'@'localhost' IDENTIFIED BY '${SECRET}';`,
      `CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '${SECRET}';`,
      `ALTER USER 'root'@'%' IDENTIFIED BY '${SECRET}';`,
      "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;",
      'CREATE DATABASE IF NOT EXISTS `hive_metastore`;',
      "CREATE USER IF NOT EXISTS 'hive'@'%' IDENTIFIED BY 'p2';",
      "ALTER USER 'hive'@'%' IDENTIFIED BY 'p2';",
      "GRANT ALL PRIVILEGES ON `hive_metastore`.* TO 'hive'@'%';",
      'CREATE DATABASE IF NOT EXISTS `only_db`;',
      'FLUSH PRIVILEGES;',
    ]);
  });
});

describe('mysqlService', () => {
  it('makes a new data folder, then runs the server with its init file (no password on the command line)', () => {
    expect(
      mysqlService(mysqlPaths({ home: '/h/runtime', dataDisks: ['/mnt/cloudtik/data_disk_1'] })).split('\n'),
    ).toEqual([
      '[ -d /mnt/cloudtik/data_disk_1/mysql/data/mysql ] || { mkdir -p /mnt/cloudtik/data_disk_1/mysql/data && mariadb-install-db --no-defaults --datadir=/mnt/cloudtik/data_disk_1/mysql/data --auth-root-authentication-method=normal --skip-test-db >/dev/null; } || exit 1',
      'exec mariadbd --defaults-file=/h/runtime/mysql/conf/my.cnf --init-file=/h/runtime/secrets/mysql-init.sql',
    ]);
  });
});

describe('postgres', () => {
  it('init statements create what is missing and set every password', () => {
    const sql = postgresInitSql({ name: 'cloudtik', password: SECRET }, [
      { database: 'hive_metastore', user: { name: 'hive', password: 'p2' } },
    ]);
    expect(sql.split('\n').filter(Boolean)).toEqual([
      `ALTER ROLE "cloudtik" PASSWORD '${SECRET}';`,
      `SELECT 'CREATE ROLE "hive" LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hive')\\gexec`,
      `ALTER ROLE "hive" LOGIN PASSWORD 'p2';`,
      `SELECT 'CREATE DATABASE "hive_metastore" OWNER "hive"' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hive_metastore')\\gexec`,
      'GRANT ALL PRIVILEGES ON DATABASE "hive_metastore" TO "hive";',
    ]);
  });
  it('password file lines escape : and \\', () => expect(pgpassLine('u', 'a:b\\c')).toBe('*:*:*:u:a\\:b\\\\c'));
  it('the service names files, never a password', () => {
    const script = postgresService(postgresPaths(ctx(['postgres'])), 'cloudtik');
    expect(script.split('\n')[0]).toBe(
      '[ -f /home/u/runtime/postgres/data/PG_VERSION ] || { mkdir -p -m 0700 /home/u/runtime/postgres/data && initdb --pgdata=/home/u/runtime/postgres/data --username=cloudtik --pwfile=/home/u/runtime/secrets/postgres-admin --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null; } || exit 1',
    );
    expect(script).toContain('PGPASSFILE=/home/u/runtime/secrets/pgpass psql');
    expect(script).toContain('-f /home/u/runtime/secrets/postgres-init.sql');
  });
});

describe('metastore on the node', () => {
  const mysql: MetastoreConnection = {
    engine: 'mysql',
    ...jdbcOf('mysql', '10.0.0.2', 3306, 'hive_metastore'),
    user: 'hive',
    password: SECRET,
    host: '10.0.0.2',
    port: 3306,
    database: 'hive_metastore',
  };
  it('points at the database and HDFS', () => {
    const site = metastoreSite(ctx(['hdfs', 'mysql', 'metastore']), mysql);
    expect(site).toMatchObject({
      'metastore.thrift.uris': 'thrift://10.0.0.2:9083',
      'javax.jdo.option.ConnectionURL': 'jdbc:mariadb://10.0.0.2:3306/hive_metastore?useMysqlMetadata=true',
      'javax.jdo.option.ConnectionPassword': SECRET,
      'metastore.warehouse.dir': 'hdfs://10.0.0.2:9000/shared/warehouse',
    });
  });
  it('waits for its database and HDFS, makes the schema only when missing, and keeps the password off the command line', () => {
    const script = metastoreService(ctx(['hdfs', 'mysql', 'metastore']), mysql);
    expect(script).not.toContain(SECRET);
    const lines = script.split('\n');
    expect(lines[0]).toMatch(
      /^until mariadb --defaults-extra-file=\/home\/u\/runtime\/secrets\/metastore-db.cnf .*SELECT 1/,
    );
    expect(lines[1]).toMatch(
      /^until curl -sf -X PUT 'http:\/\/10.0.0.2:9870\/webhdfs\/v1\/shared\/warehouse\?op=MKDIRS/,
    );
    expect(lines[2]).toMatch(
      /SELECT SCHEMA_VERSION FROM VERSION.* \|\| mariadb .*<\/opt\/metastore\/scripts\/metastore\/upgrade\/mysql\/hive-schema-3\.1\.0\.mysql\.sql \|\| exit 1$/,
    );
    expect(lines[3]).toBe('exec hive-metastore server');
  });
  it('Spark takes it as its catalog only when the cluster has it', () => {
    expect(metastoreSettings(ctx(['hdfs', 'spark']))).toEqual([]);
    expect(metastoreSettings(ctx(['hdfs', 'spark', 'metastore'])).join('\n')).toMatch(
      /spark.sql.catalogImplementation +hive\nspark.hadoop.hive.metastore.uris +thrift:\/\/10.0.0.2:9083/,
    );
  });
});
