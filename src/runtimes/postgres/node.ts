/**
 * postgres on the head: PostgreSQL 15, data on the first data disk when there is one. The data
 * folder is made by initdb (in the service, so the head's start does not wait for it) with the
 * superuser's password read from a file; at each start, once the
 * server answers, the service applies passwords, users and databases with idempotent statements
 * from a file only the node user reads (psql with a password file: nothing secret on a command line).
 */
import fs from 'node:fs';
import path from 'node:path';
import { startService, stopService } from '../../node/services.js';
import { quote } from '../../core/command/shell.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { writeConf } from '../node/hadoop.js';
import { METASTORE_DB, runtimePassword, secretsDir, sqlName, sqlString, writePrivate } from '../node/secrets.js';
import type { MysqlAccount } from '../mysql/node.js';
import { configuredAccount } from '../mysql/node.js';
import { POSTGRES_PORT } from './index.js';

export interface PostgresPaths {
  confDir: string;
  data: string;
  run: string;
  pwFile: string;
  passFile: string;
  initFile: string;
}

export function postgresPaths(ctx: Pick<RuntimeNodeContext, 'home' | 'dataDisks'>): PostgresPaths {
  const root = path.join(ctx.home, 'postgres');
  const secrets = secretsDir(ctx);
  return {
    confDir: path.join(root, 'conf'),
    data: ctx.dataDisks[0] ? path.join(ctx.dataDisks[0], 'postgres', 'data') : path.join(root, 'data'),
    run: path.join(root, 'run'),
    pwFile: path.join(secrets, 'postgres-admin'),
    passFile: path.join(secrets, 'pgpass'),
    initFile: path.join(secrets, 'postgres-init.sql'),
  };
}

/** The statements psql runs at each start (`\gexec` creates what does not exist yet). */
export function postgresInitSql(admin: { name: string; password: string }, accounts: readonly MysqlAccount[]): string {
  const s = (v: string): string => sqlString(v, 'postgres');
  const n = (v: string): string => sqlName(v, 'postgres');
  const lines = [`ALTER ROLE ${n(admin.name)} PASSWORD ${s(admin.password)};`];
  for (const { database, user } of accounts) {
    if (user !== undefined) {
      lines.push(
        `SELECT 'CREATE ROLE ${n(user.name).replace(/'/g, "''")} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${s(user.name)})\\gexec`,
        `ALTER ROLE ${n(user.name)} LOGIN PASSWORD ${s(user.password)};`,
      );
    }
    if (database !== undefined) {
      const owner = user === undefined ? '' : ` OWNER ${n(user.name)}`;
      lines.push(
        `SELECT 'CREATE DATABASE ${n(database).replace(/'/g, "''")}${owner.replace(/'/g, "''")}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${s(database)})\\gexec`,
      );
      if (user !== undefined) lines.push(`GRANT ALL PRIVILEGES ON DATABASE ${n(database)} TO ${n(user.name)};`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** postgresql.conf (no secrets). Statements are never logged, so no password reaches the log. */
export function postgresqlConf(p: PostgresPaths): string {
  return [
    '# Written by cloudtik runtime configure postgres.',
    "listen_addresses = '*'",
    `port = ${POSTGRES_PORT}`,
    `unix_socket_directories = '${p.run}'`,
    `hba_file = '${path.join(p.confDir, 'pg_hba.conf')}'`,
    'max_connections = 100',
    'shared_buffers = 64MB',
    "password_encryption = 'scram-sha-256'",
    'log_min_error_statement = panic',
    "log_statement = 'none'",
    'logging_collector = off',
    '',
  ].join('\n');
}

export const PG_HBA = [
  '# Written by cloudtik runtime configure postgres: passwords everywhere.',
  'local all all scram-sha-256',
  'host all all 0.0.0.0/0 scram-sha-256',
  'host all all ::/0 scram-sha-256',
  '',
].join('\n');

/** A password file line (`host:port:database:user:password`, `:` and `\` escaped). */
export function pgpassLine(user: string, password: string): string {
  const e = (v: string): string => v.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return `*:*:*:${e(user)}:${e(password)}`;
}

function adminUser(options: Record<string, unknown>): string {
  return typeof options.admin_user === 'string' ? options.admin_user : 'cloudtik';
}

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const options = optionsOf(ctx, 'postgres');
  const p = postgresPaths(ctx);
  const admin = { name: adminUser(options), password: '' };
  admin.password = await runtimePassword(ctx, 'postgres-admin', options.admin_password);
  const accounts = [configuredAccount(options.database)];
  if (ctx.runtime.types.includes('metastore')) {
    const password = await runtimePassword(ctx, METASTORE_DB.secret, undefined);
    accounts.push({ database: METASTORE_DB.database, user: { name: METASTORE_DB.user, password } });
  }
  await writePrivate(p.initFile, postgresInitSql(admin, accounts));
  const users = [admin, ...accounts.flatMap((a) => (a.user ? [a.user] : []))];
  await writePrivate(p.passFile, `${users.map((u) => pgpassLine(u.name, u.password)).join('\n')}\n`);
  await writeConf(p.confDir, 'postgresql.conf', postgresqlConf(p));
  await writeConf(p.confDir, 'pg_hba.conf', PG_HBA);
}

/**
 * The service's script: the server in the background, then (once it answers on its socket) the
 * init statements, then waiting on the server; a stop is a fast shutdown (SIGINT).
 */
export function postgresService(p: PostgresPaths, admin: string): string {
  const initdb = [
    'initdb',
    `--pgdata=${quote(p.data)}`,
    `--username=${quote(admin)}`,
    `--pwfile=${quote(p.pwFile)}`,
    '--auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null',
  ].join(' ');
  const server = `postgres -D ${quote(p.data)} -c config_file=${quote(path.join(p.confDir, 'postgresql.conf'))}`;
  const psql = `PGPASSFILE=${quote(p.passFile)} psql -q -X -h ${quote(p.run)} -p ${POSTGRES_PORT} -U ${quote(admin)} -d postgres -v ON_ERROR_STOP=1 -f ${quote(p.initFile)}`;
  return [
    // A new data folder first (initdb reads the superuser's password from its file).
    `[ -f ${quote(path.join(p.data, 'PG_VERSION'))} ] || { mkdir -p -m 0700 ${quote(p.data)} && ${initdb}; } || exit 1`,
    `${server} &`,
    'pid=$!',
    `trap 'kill -INT $pid; wait $pid; exit 0' TERM INT`,
    `until pg_isready -q -h ${quote(p.run)} -p ${POSTGRES_PORT}; do kill -0 $pid 2>/dev/null || exit 1; sleep 0.2; done`,
    `${psql} || echo 'postgres: the init statements failed (users and databases may be missing)' >&2`,
    'wait $pid',
  ].join('\n');
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const p = postgresPaths(ctx);
  const admin = adminUser(optionsOf(ctx, 'postgres'));
  fs.mkdirSync(p.run, { recursive: true });
  await startService('postgres', ['bash', '-c', postgresService(p, admin)]);
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) await stopService('postgres');
}
