/**
 * Passwords of the SQL runtimes on a node: each in a file of its own under `~/runtime/secrets`
 * (folder 0700, files 0600, readable by the node user only), generated once when the config gives
 * none and kept across configure and restarts. Servers and clients read them from files (an init
 * file, a password file, a client options file), never from a command line.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { RuntimeNodeContext } from './context.js';

export function secretsDir(ctx: Pick<RuntimeNodeContext, 'home'>): string {
  return path.join(ctx.home, 'secrets');
}

/** A new password: 24 random bytes, URL-safe base64 (no quoting needed in SQL or option files). */
export function generatePassword(random: (n: number) => Buffer = crypto.randomBytes): string {
  return random(24).toString('base64url');
}

/** Write a file only the node user can read (atomically, so a reader never sees half of it). */
export async function writePrivate(file: string, text: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fsp.chmod(path.dirname(file), 0o700);
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, text, { mode: 0o600 });
  await fsp.chmod(tmp, 0o600);
  await fsp.rename(tmp, file);
}

/**
 * The password named `name`: `given` when the config has one (and then kept in the file), else
 * the one in the file, else a new one.
 */
export async function runtimePassword(
  ctx: Pick<RuntimeNodeContext, 'home'>,
  name: string,
  given: unknown,
): Promise<string> {
  const file = path.join(secretsDir(ctx), name);
  const kept = fs.existsSync(file) ? (await fsp.readFile(file, 'utf8')).trim() : '';
  const password = typeof given === 'string' && given !== '' ? given : kept || generatePassword();
  if (password !== kept) await writePrivate(file, `${password}\n`);
  return password;
}

/** A string literal of MySQL/MariaDB or PostgreSQL SQL (standard quoting; backslashes doubled for MariaDB). */
export function sqlString(value: string, dialect: 'mysql' | 'postgres'): string {
  const escaped = dialect === 'mysql' ? value.replace(/\\/g, '\\\\') : value;
  return `'${escaped.replace(/'/g, "''")}'`;
}

/** A quoted identifier (database or user name). */
export function sqlName(value: string, dialect: 'mysql' | 'postgres'): string {
  return dialect === 'mysql' ? `\`${value.replace(/`/g, '``')}\`` : `"${value.replace(/"/g, '""')}"`;
}

/** The database and user the metastore gets from an in-cluster mysql or postgres. */
export const METASTORE_DB = { database: 'hive_metastore', user: 'hive', secret: 'metastore-db' } as const;
