/**
 * The Hive metastore on the head: metastore-site.xml (it holds the database password, so only the
 * node user reads it), then a service that waits for its database and HDFS, creates the schema
 * once (the distribution's schema script through the database's client, schematool for Derby; only
 * when the database has no metastore schema yet) and runs the Thrift server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { env } from '../../config/env.js';
import { quote } from '../../core/command/shell.js';
import { startService, stopService } from '../../node/services.js';
import { hadoopXml } from '../template.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { defaultFs, NAMENODE_HTTP_PORT, QUICK_START_JVM_OPTS } from '../node/hadoop.js';
import { METASTORE_DB, runtimePassword, secretsDir, writePrivate } from '../node/secrets.js';
import { MYSQL_PORT } from '../mysql/index.js';
import { clientCnf } from '../mysql/node.js';
import { POSTGRES_PORT } from '../postgres/index.js';
import { pgpassLine } from '../postgres/node.js';
import { metastoreDatabase, METASTORE_PORT, type MetastoreEngine } from './index.js';

/** The warehouse folder: in HDFS when the cluster has it (Spark's spark.sql.warehouse.dir is the same). */
export function warehouseDir(ctx: Pick<RuntimeNodeContext, 'runtime' | 'headIp' | 'home'>): string {
  return ctx.runtime.types.includes('hdfs')
    ? `${defaultFs(ctx as RuntimeNodeContext)}/shared/warehouse`
    : `file://${path.join(ctx.home, 'metastore', 'warehouse')}`;
}

export interface MetastoreConnection {
  engine: MetastoreEngine;
  url: string;
  driver: string;
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
}

/** The JDBC URL and driver of each engine. MariaDB's driver says "MySQL" so that Hive treats it as MySQL. */
export function jdbcOf(
  engine: MetastoreEngine,
  host: string,
  port: number,
  database: string,
): { url: string; driver: string } {
  switch (engine) {
    case 'mysql':
      return {
        url: `jdbc:mariadb://${host}:${port}/${database}?useMysqlMetadata=true`,
        driver: 'org.mariadb.jdbc.Driver',
      };
    case 'postgres':
      return { url: `jdbc:postgresql://${host}:${port}/${database}`, driver: 'org.postgresql.Driver' };
    case 'derby':
      return {
        url: `jdbc:derby:;databaseName=${database};create=true`,
        driver: 'org.apache.derby.jdbc.EmbeddedDriver',
      };
  }
}

async function connection(ctx: RuntimeNodeContext): Promise<MetastoreConnection> {
  const options = optionsOf(ctx, 'metastore');
  const choice = metastoreDatabase(options, ctx.runtime.types);
  const db = (options.database ?? {}) as Record<string, string | number | undefined>;
  if (choice.engine === 'derby') {
    const database = path.join(dataDir(ctx), 'metastore_db');
    return {
      engine: 'derby',
      ...jdbcOf('derby', '', 0, database),
      user: 'APP',
      password: '',
      host: '',
      port: 0,
      database,
    };
  }
  const defaultPort = choice.engine === 'mysql' ? MYSQL_PORT : POSTGRES_PORT;
  if (choice.source === 'configured') {
    const host = String(db.address);
    const port = Number(db.port ?? defaultPort);
    const database = String(db.database ?? METASTORE_DB.database);
    const user = String(db.username ?? (choice.engine === 'mysql' ? 'root' : 'cloudtik'));
    const password = await runtimePassword(ctx, 'metastore-db-external', db.password);
    return {
      engine: choice.engine,
      ...jdbcOf(choice.engine, host, port, database),
      user,
      password,
      host,
      port,
      database,
    };
  }
  const password = await runtimePassword(ctx, METASTORE_DB.secret, undefined);
  const { database, user } = METASTORE_DB;
  const c = jdbcOf(choice.engine, ctx.headIp, defaultPort, database);
  return { engine: choice.engine, ...c, user, password, host: ctx.headIp, port: defaultPort, database };
}

function confDir(ctx: RuntimeNodeContext): string {
  return path.join(ctx.home, 'metastore', 'conf');
}

function dataDir(ctx: RuntimeNodeContext): string {
  return path.join(ctx.home, 'metastore', 'data');
}

/** metastore-site.xml. */
export function metastoreSite(ctx: RuntimeNodeContext, c: MetastoreConnection): Record<string, string | boolean> {
  return {
    'metastore.thrift.uris': `thrift://${ctx.headIp}:${METASTORE_PORT}`,
    'metastore.thrift.port': String(METASTORE_PORT),
    'javax.jdo.option.ConnectionURL': c.url,
    'javax.jdo.option.ConnectionDriverName': c.driver,
    'javax.jdo.option.ConnectionUserName': c.user,
    'javax.jdo.option.ConnectionPassword': c.password,
    'metastore.warehouse.dir': warehouseDir(ctx),
    // The standalone metastore has no Hive query engine: its own partition filter and tasks only.
    'metastore.expression.proxy': 'org.apache.hadoop.hive.metastore.DefaultPartitionExpressionProxy',
    'metastore.task.threads.always': 'org.apache.hadoop.hive.metastore.events.EventCleanerTask',
    'hive.metastore.event.db.notification.api.auth': false,
    'metastore.schema.verification': true,
    'datanucleus.schema.autoCreateAll': false,
  };
}

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const c = await connection(ctx);
  await writePrivate(path.join(confDir(ctx), 'metastore-site.xml'), hadoopXml(metastoreSite(ctx, c)));
  fs.mkdirSync(dataDir(ctx), { recursive: true });
  // The database client's credentials for the service's checks (files: never a command line).
  if (c.engine === 'mysql')
    await writePrivate(path.join(secretsDir(ctx), 'metastore-db.cnf'), clientCnf(c.user, c.password));
  if (c.engine === 'postgres')
    await writePrivate(path.join(secretsDir(ctx), 'metastore-pgpass'), `${pgpassLine(c.user, c.password)}\n`);
}

/** The schema version of the metastore in the image (Hive 3.1.3 keeps the 3.1.0 schema). */
export const METASTORE_SCHEMA_VERSION = '3.1.0';

/** The script that creates the metastore's schema in a database (from the metastore's distribution). */
export function schemaScript(engine: 'mysql' | 'postgres'): string {
  return `/opt/metastore/scripts/metastore/upgrade/${engine}/hive-schema-${METASTORE_SCHEMA_VERSION}.${engine}.sql`;
}

/** How long the service waits for its database and HDFS before it gives up (and its supervisor tries again). */
export const METASTORE_WAIT_S = 120;

/**
 * The service's script: wait for the database to let the metastore's user in, and for HDFS to
 * take the warehouse folder; create the schema when the database has none (once: a restart finds
 * it); then run the server. Pure, for the tests.
 */
export function metastoreService(ctx: RuntimeNodeContext, c: MetastoreConnection): string {
  const secrets = secretsDir(ctx);
  const lines: string[] = [];
  const deadline = (what: string): string =>
    `[ $SECONDS -lt ${METASTORE_WAIT_S} ] || { echo "metastore: ${what} after ${METASTORE_WAIT_S} s" >&2; exit 1; }`;
  let hasSchema: string;
  // The database's own client runs the schema script (no JVM start); Derby has none but schematool.
  let createSchema = `hive-metastore schematool -dbType ${c.engine} -initSchema`;
  if (c.engine === 'mysql') {
    const client = `mariadb --defaults-extra-file=${quote(path.join(secrets, 'metastore-db.cnf'))} -h ${quote(c.host)} -P ${c.port} -N -B ${quote(c.database)}`;
    lines.push(
      `until ${client} -e 'SELECT 1' >/dev/null 2>&1; do ${deadline(`mysql at ${c.host}:${c.port} did not let ${c.user} in`)}; sleep 0.5; done`,
    );
    hasSchema = `${client} -e 'SELECT SCHEMA_VERSION FROM VERSION' 2>/dev/null | grep -q .`;
    createSchema = `${client} <${quote(schemaScript('mysql'))}`;
  } else if (c.engine === 'postgres') {
    const client = `PGPASSFILE=${quote(path.join(secrets, 'metastore-pgpass'))} psql -X -q -t -A -h ${quote(c.host)} -p ${c.port} -U ${quote(c.user)} -d ${quote(c.database)}`;
    lines.push(
      `until ${client} -c 'SELECT 1' >/dev/null 2>&1; do ${deadline(`postgres at ${c.host}:${c.port} did not let ${c.user} in`)}; sleep 0.5; done`,
    );
    hasSchema = `${client} -c 'SELECT "SCHEMA_VERSION" FROM "VERSION"' 2>/dev/null | grep -q .`;
    createSchema = `${client} -v ON_ERROR_STOP=1 -f ${quote(schemaScript('postgres'))} >/dev/null`;
  } else {
    hasSchema = `[ -d ${quote(c.database)} ]`;
  }
  const warehouse = warehouseDir(ctx);
  if (warehouse.startsWith('hdfs://')) {
    const url = `http://${ctx.headIp}:${NAMENODE_HTTP_PORT}/webhdfs/v1${new URL(warehouse).pathname}?op=MKDIRS&user.name=${os.userInfo().username}`;
    lines.push(
      `until curl -sf -X PUT ${quote(url)} >/dev/null; do ${deadline('HDFS did not take the warehouse folder')}; sleep 0.5; done`,
    );
  }
  lines.push(`${hasSchema} || ${createSchema} || exit 1`);
  lines.push('exec hive-metastore server');
  return lines.join('\n');
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const c = await connection(ctx);
  const heap = Number(optionsOf(ctx, 'metastore').heap_size ?? 512);
  await startService('metastore', ['bash', '-c', metastoreService(ctx, c)], {
    env: {
      ...env.processEnv(),
      METASTORE_CONF_DIR: confDir(ctx),
      // Derby's own log goes beside its database, not into the folder the service started in.
      METASTORE_JAVA_OPTS: `-Xmx${heap}m ${QUICK_START_JVM_OPTS} -Dproc_metastore -Dderby.stream.error.file=${path.join(dataDir(ctx), 'derby.log')}`,
    },
  });
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) await stopService('metastore');
}
