import { defineCommand, opt, type CommandContext, type OptionValues } from '../../command-spec.js';
import { CloudtikError } from '../../../core/errors.js';
import { TAG } from '../../../providers/provider.js';
import { outputOption } from '../../common.js';
import { renderTable, tableOptions, type Column, type TableOptions } from '../../table.js';

type PoolService = Awaited<ReturnType<typeof import('../../../providers/registry.js').loadPoolService>>;
type PoolStatus = Awaited<ReturnType<PoolService['poolStatus']>>;

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`'${value}' is not a port (0-65535)`);
  return n;
}

async function service(): Promise<PoolService> {
  const { loadPoolService } = await import('../../../providers/registry.js');
  return loadPoolService();
}

const SIMULATOR_OPTIONS = [
  opt.string(
    '--bind-address <address>',
    'the address to listen at (default 127.0.0.1, this machine only): bind one the cluster heads can reach; with --reload/--shutdown/status, the service to talk to',
  ),
  opt.parsed('--port <port>', 'the port (default 8282)', parsePort),
  opt.flag('--reload', 'make the running service read its pool file again'),
  opt.flag('--shutdown', 'stop the running service'),
  outputOption,
] as const;

type Options = OptionValues<typeof SIMULATOR_OPTIONS>;

type PoolHost = PoolStatus['hosts'][number];

const tag = (k: string) => (h: PoolHost) => h.tags[k] ?? '-';

/** The columns of `simulator status`; `-o wide` adds the addresses and since when a host did not answer. */
export const HOST_COLUMNS: Column<PoolHost>[] = [
  { header: 'host', cell: (h) => h.name },
  { header: 'ip', cell: (h) => h.ip, wide: true },
  { header: 'external ip', cell: (h) => h.external_ip ?? '-', wide: true },
  { header: 'type', cell: (h) => h.instance_type },
  {
    header: 'state',
    cell: (h) => (h.state === 'running' ? 'in use' : h.unanswered ? 'free (unanswered)' : 'free'),
    tint: (h) => (h.state !== 'running' && h.unanswered ? 'yellow' : undefined),
  },
  { header: 'workspace', cell: tag(TAG.workspace) },
  { header: 'cluster', cell: tag(TAG.cluster) },
  { header: 'kind', cell: tag(TAG.nodeKind) },
  {
    header: 'unanswered since',
    cell: (h) => (h.unanswered ? new Date(h.unanswered.since).toISOString() : '-'),
    wide: true,
  },
];

/** The pool as text: a line per host, a line per instance type, and loud lines for refused launches. */
export function renderPoolStatus(s: PoolStatus, table: TableOptions = {}): string {
  const lines = [
    `Host pool at ${s.address} (${s.config}): ${s.hosts.length} host(s); workspaces: ${s.workspaces.join(', ') || '-'}`,
    renderTable(HOST_COLUMNS, s.hosts, table),
    '',
  ];
  for (const [type, free] of Object.entries(s.free)) {
    const total = s.hosts.filter((h) => h.instance_type === type).length;
    lines.push(`${type}: ${free}/${total} free`);
  }
  for (const [type, free] of Object.entries(s.free)) {
    const refused = s.refused.filter((r) => r.instance_type === type);
    const last = refused[refused.length - 1];
    if (free > 0 || !last) continue;
    const when = new Date(last.at).toISOString();
    lines.push(
      `NO FREE HOST OF TYPE ${type}: ${refused.length} launch(es) refused, the last at ${when} (${last.count} asked for by cluster ${last.cluster})`,
    );
  }
  return lines.join('\n');
}

/**
 * The pool as `--json` shows it: the service speaks CloudTik's wire names (`instance_types`,
 * `external_ip`), the CLI's results camelCase ones like every other command's.
 */
export function poolStatusJson(s: PoolStatus) {
  return {
    config: s.config,
    address: s.address,
    // Each type's CPU, GPU and memory are resources, named as resources are everywhere else.
    instanceTypes: Object.fromEntries(
      Object.entries(s.instance_types).map(([name, resources]) => [name, { resources }]),
    ),
    hosts: s.hosts.map(({ external_ip, instance_type, ...h }) => ({
      ...h,
      ...(external_ip !== undefined ? { externalIp: external_ip } : {}),
      instanceType: instance_type,
    })),
    workspaces: s.workspaces,
    free: s.free,
    refused: s.refused.map(({ instance_type, ...r }) => ({ ...r, instanceType: instance_type })),
  };
}

async function status(opts: Options, ctx: CommandContext): Promise<void> {
  const svc = await service();
  const pool = await svc.runningPool(opts);
  try {
    const s = await svc.poolStatus(pool);
    ctx.reporter.result(poolStatusJson(s), renderPoolStatus(s, tableOptions(opts.output)));
  } finally {
    pool.close();
  }
}

async function control(pool: string | undefined, opts: Options, ctx: CommandContext): Promise<void> {
  const svc = await service();
  const client = await svc.runningPool(opts);
  try {
    if (opts.reload) {
      const { default: path } = await import('node:path');
      await (pool === undefined ? client.call('reload') : client.call('reload', path.resolve(pool)));
      const s = await svc.poolStatus(client);
      const line = `reloaded the pool at ${client.address}: ${s.hosts.length} host(s) of ${Object.keys(s.instance_types).length} instance type(s)`;
      ctx.reporter.result({ reloaded: true, address: client.address, hosts: s.hosts.length }, line);
      return;
    }
    await client.call('shutdown');
    const stopped = opts.bindAddress === undefined && opts.port === undefined ? await svc.waitStopped() : true;
    const line = `the host-pool service at ${client.address} ${stopped ? 'stopped' : 'was asked to stop'}`;
    ctx.reporter.result({ stopped, address: client.address }, line);
  } finally {
    client.close();
  }
}

async function start(pool: string | undefined, opts: Options, ctx: CommandContext): Promise<void> {
  if (pool === undefined) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'no pool file given', {
      hint: 'cloudtik simulator POOL.yaml (instance_types and nodes, as CloudTik writes them)',
    });
  }
  const svc = await service();
  const running = await svc.startPoolServer({
    configFile: pool,
    ...(opts.bindAddress !== undefined && { bindAddress: opts.bindAddress }),
    ...(opts.port !== undefined && { port: opts.port }),
    echo: (line) => process.stderr.write(`${line}\n`),
    verbose: ctx.verbose,
  });
  const types = Object.keys(running.config.instanceTypes).length;
  const line = `host-pool service at ${running.bindAddress}:${running.port} (pid ${running.pid}): ${running.hosts} host(s) of ${types} instance type(s) from ${pool}; clients send the token in ${running.tokenFile}; log: ${running.logFile}`;
  ctx.reporter.result(
    {
      pid: running.pid,
      address: `${running.bindAddress}:${running.port}`,
      hosts: running.hosts,
      instance_types: types,
      token_file: running.tokenFile,
      log_file: running.logFile,
    },
    line,
  );
  const onAbort = (): void => void running.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await running.closed;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

export const command = defineCommand({
  name: 'simulator',
  description:
    "run the host-pool service that hands the hosts of POOL.yaml to onpremise clusters (CloudTik's cloud simulator); `cloudtik simulator status` shows the pool",
  arguments: [{ name: '[pool]', description: 'the pool file (instance_types and nodes); or `status`' }],
  options: SIMULATOR_OPTIONS,
  async run(args, opts, ctx) {
    if (opts.reload && opts.shutdown) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', '--reload and --shutdown do not go together');
    }
    if (args[0] === 'status') return status(opts, ctx);
    if (opts.reload || opts.shutdown) return control(args[0], opts, ctx);
    return start(args[0], opts, ctx);
  },
});
