import type { RuntimeDefinition, RuntimeIssue, SizingInput } from '../runtime.js';

export const MYSQL_PORT = 3306;

/** `database` of mysql and postgres: a database, and a user with all rights on it (CloudTik's keys). */
export const DATABASE_OPTION = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_$]+$' },
    user: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_$]+$' },
    password: { type: 'string', minLength: 1 },
  },
  description: 'A database to create (name) and a user with all rights on it (user and password, given together).',
} as const;

/** CloudTik's rule for `database`: its user and password come together. */
export function databaseIssues(name: string, options: Record<string, unknown>): RuntimeIssue[] {
  const db = options.database as { user?: string; password?: string; name?: string } | undefined;
  if (!db || (db.user === undefined) === (db.password === undefined)) return [];
  const missing = db.user === undefined ? 'user' : 'password';
  return [
    {
      path: ['runtime', name, 'database'],
      message: `database.${missing} is missing: user and password are given together`,
      hint: `give database.${missing} too, or neither (the generated password is kept on the head)`,
    },
  ];
}

export const mysql: RuntimeDefinition = {
  name: 'mysql',
  description:
    "A MySQL-protocol database server on the head: Debian's MariaDB 10.11 stands in for MySQL 8 (no MySQL server package is served here); replication modes are not supported",
  image: 'cloudtik/sql-runtime',
  defaults: { port: MYSQL_PORT, cluster_mode: 'none' },
  closedOptions: true,
  options: {
    port: { const: MYSQL_PORT, description: `The server's port: ${MYSQL_PORT} only.` },
    cluster_mode: {
      enum: ['none'],
      description:
        "none: one server on the head. CloudTik's replication and group_replication modes are not supported (MariaDB has no MySQL group replication).",
    },
    root_password: {
      type: 'string',
      minLength: 1,
      description: "The password of root (root@'%' too); generated and kept on the head when not given.",
    },
    database: DATABASE_OPTION,
    group_replication: { type: 'object', description: 'Accepted for CloudTik compatibility; no effect (mode none).' },
    health_check_port: { type: 'integer', description: 'Accepted for CloudTik compatibility; no effect.' },
  },
  configures: 'head',
  services: [{ name: 'mysql', on: 'head', port: MYSQL_PORT }],
  endpoints: [{ name: 'MySQL (MariaDB)', port: MYSQL_PORT, scheme: 'mysql' }],
  usage: [
    "cloudtik exec {file} 'mariadb --defaults-extra-file=~/runtime/secrets/mysql-root.cnf'   # a SQL shell as root",
  ],
  prepare: ({ options }: SizingInput) => ({ values: {}, issues: databaseIssues('mysql', options) }),
};
