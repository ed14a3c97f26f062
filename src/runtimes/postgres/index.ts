import { DATABASE_OPTION, databaseIssues } from '../mysql/index.js';
import type { RuntimeDefinition, SizingInput } from '../runtime.js';

export const POSTGRES_PORT = 5432;

const ACCEPTED = 'Accepted for CloudTik compatibility; no effect (mode none).';

export const postgres: RuntimeDefinition = {
  name: 'postgres',
  description: "A PostgreSQL 15 server on the head (Debian's postgresql-15); replication modes are not supported",
  image: 'cloudtik/sql-runtime',
  defaults: { port: POSTGRES_PORT, cluster_mode: 'none', admin_user: 'cloudtik' },
  closedOptions: true,
  options: {
    port: { const: POSTGRES_PORT, description: `The server's port: ${POSTGRES_PORT} only.` },
    cluster_mode: {
      enum: ['none'],
      description: "none: one server on the head. CloudTik's replication mode (with repmgr) is not supported.",
    },
    admin_user: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'The superuser (default cloudtik).',
    },
    admin_password: {
      type: 'string',
      minLength: 1,
      description: "The superuser's password; generated and kept on the head when not given.",
    },
    database: DATABASE_OPTION,
    replication_user: { type: 'string', description: ACCEPTED },
    replication_password: { type: 'string', description: ACCEPTED },
    archive_mode: { type: 'boolean', description: ACCEPTED },
    replication_slot: { type: 'boolean', description: ACCEPTED },
    replication_synchronous: { type: 'object', description: ACCEPTED },
    repmgr: { type: 'object', description: ACCEPTED },
    health_check_port: { type: 'integer', description: ACCEPTED },
  },
  configures: 'head',
  services: [{ name: 'postgres', on: 'head', port: POSTGRES_PORT }],
  endpoints: [{ name: 'PostgreSQL', port: POSTGRES_PORT, scheme: 'postgresql' }],
  usage: ["cloudtik exec {file} 'PGPASSFILE=~/runtime/secrets/pgpass psql -h 127.0.0.1 -U cloudtik postgres'"],
  prepare: ({ options }: SizingInput) => ({ values: {}, issues: databaseIssues('postgres', options) }),
};
