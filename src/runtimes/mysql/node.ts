/**
 * mysql on the head: MariaDB's server (standing in for MySQL), data on the first data disk when
 * there is one. Passwords and users are applied by an init file the server runs each time it
 * starts (idempotent statements), so a restart converges to the config and no password is ever on
 * a command line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startService, stopService } from '../../node/services.js';
import { quote } from '../../core/command/shell.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { writeConf } from '../node/hadoop.js';
import { METASTORE_DB, runtimePassword, secretsDir, sqlName, sqlString, writePrivate } from '../node/secrets.js';
import { MYSQL_PORT } from './index.js';

/** A database to create, a user to create, or both: then the user gets all rights on it. */
export interface MysqlAccount {
  database?: string;
  user?: { name: string; password: string };
}

/** The statements the server runs at each start: root's password, then each database and its user. */
export function mysqlInitSql(rootPassword: string, accounts: readonly MysqlAccount[]): string {
  const s = (v: string): string => sqlString(v, 'mysql');
  const lines = [
    // mariadb-install-db also makes root@127.0.0.1, root@::1 and root@<hostname> without a
    // password (and anonymous users): only root@localhost and root@'%' stay, both with the password.
    "DELETE FROM mysql.global_priv WHERE (User = 'root' AND Host NOT IN ('localhost', '%')) OR User = '';",
    'FLUSH PRIVILEGES;',
    `ALTER USER 'root'@'localhost' IDENTIFIED BY ${s(rootPassword)};`,
    `CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY ${s(rootPassword)};`,
    `ALTER USER 'root'@'%' IDENTIFIED BY ${s(rootPassword)};`,
    `GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;`,
  ];
  for (const { database, user } of accounts) {
    const db = database === undefined ? undefined : sqlName(database, 'mysql');
    if (db !== undefined) lines.push(`CREATE DATABASE IF NOT EXISTS ${db};`);
    if (user === undefined) continue;
    const who = `${s(user.name)}@'%'`;
    lines.push(`CREATE USER IF NOT EXISTS ${who} IDENTIFIED BY ${s(user.password)};`);
    lines.push(`ALTER USER ${who} IDENTIFIED BY ${s(user.password)};`);
    if (db !== undefined) lines.push(`GRANT ALL PRIVILEGES ON ${db}.* TO ${who};`);
  }
  lines.push('FLUSH PRIVILEGES;');
  return `${lines.join('\n')}\n`;
}

export interface MysqlPaths {
  conf: string;
  data: string;
  run: string;
  socket: string;
  initFile: string;
}

export function mysqlPaths(ctx: Pick<RuntimeNodeContext, 'home' | 'dataDisks'>): MysqlPaths {
  const root = path.join(ctx.home, 'mysql');
  const run = path.join(root, 'run');
  return {
    conf: path.join(root, 'conf', 'my.cnf'),
    data: ctx.dataDisks[0] ? path.join(ctx.dataDisks[0], 'mysql', 'data') : path.join(root, 'data'),
    run,
    socket: path.join(run, 'mysqld.sock'),
    initFile: path.join(secretsDir(ctx), 'mysql-init.sql'),
  };
}

/** The server's options file (no secrets: it is readable by all). */
export function myCnf(p: MysqlPaths): string {
  return [
    '# Written by cloudtik runtime configure mysql.',
    '[mariadbd]',
    `datadir = ${p.data}`,
    `socket = ${p.socket}`,
    `pid-file = ${path.join(p.run, 'mysqld.pid')}`,
    `port = ${MYSQL_PORT}`,
    'bind-address = 0.0.0.0',
    'skip-name-resolve',
    // A small server beside HDFS, YARN and Spark on the head.
    'innodb_buffer_pool_size = 64M',
    'performance_schema = OFF',
    'max_connections = 200',
    'character-set-server = utf8mb4',
    'collation-server = utf8mb4_general_ci',
    '',
    '[client]',
    `socket = ${p.socket}`,
    '',
  ].join('\n');
}

/** A client options file with a user and password (for `mariadb --defaults-extra-file`). */
export function clientCnf(user: string, password: string): string {
  return `[client]\nuser=${user}\npassword=${password}\n`;
}

/** The account of `database` (CloudTik's name, user and password keys; user and password come together). */
export function configuredAccount(option: unknown): MysqlAccount {
  const db = (option ?? {}) as { name?: string; user?: string; password?: string };
  return {
    ...(db.name !== undefined ? { database: db.name } : {}),
    ...(db.user !== undefined && db.password !== undefined ? { user: { name: db.user, password: db.password } } : {}),
  };
}

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const options = optionsOf(ctx, 'mysql');
  const p = mysqlPaths(ctx);
  const root = await runtimePassword(ctx, 'mysql-root', options.root_password);
  const accounts = [configuredAccount(options.database)];
  if (ctx.runtime.types.includes('metastore')) {
    const password = await runtimePassword(ctx, METASTORE_DB.secret, undefined);
    accounts.push({ database: METASTORE_DB.database, user: { name: METASTORE_DB.user, password } });
  }
  await writePrivate(p.initFile, mysqlInitSql(root, accounts));
  await writePrivate(path.join(secretsDir(ctx), 'mysql-root.cnf'), clientCnf('root', root));
  await writeConf(path.dirname(p.conf), 'my.cnf', myCnf(p));
}

/**
 * The service's script: a new data folder first (MariaDB's system tables, root without a password
 * until the init file sets it), then the server, which runs the init file before it takes connections.
 */
export function mysqlService(p: MysqlPaths): string {
  const install = `mariadb-install-db --no-defaults --datadir=${quote(p.data)} --auth-root-authentication-method=normal --skip-test-db >/dev/null`;
  return [
    `[ -d ${quote(path.join(p.data, 'mysql'))} ] || { mkdir -p ${quote(p.data)} && ${install}; } || exit 1`,
    `exec mariadbd --defaults-file=${quote(p.conf)} --init-file=${quote(p.initFile)}`,
  ].join('\n');
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const p = mysqlPaths(ctx);
  fs.mkdirSync(p.run, { recursive: true });
  await startService('mysql', ['bash', '-c', mysqlService(p)]);
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) await stopService('mysql');
}
