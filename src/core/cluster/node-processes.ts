/**
 * The supervised processes on each node, as `process-status` and `health-check` show them: the
 * node's own services (state store, agent, controller) and its runtimes' daemons. Each runs
 * under the node supervisor, which keeps `<name>.pid` (its pid and start time) in the node's run
 * folder; one shell probe per node reads them all.
 */
import { NODE_RUNTIME_DIR } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import type { NodeInfo } from '../../providers/provider.js';
import { RUNTIMES } from '../../runtimes/registry.js';
import { runtimeSectionOf } from '../updater/hashes.js';
import { openCluster, type ClusterContext } from './context.js';
import { requireHead } from './nodes.js';

/** The runtime name node services are listed under (CloudTik lists its own daemons the same way). */
export const NODE_SERVICES_RUNTIME = 'cloudtik';

export interface ExpectedService {
  runtime: string;
  service: string;
}

/** What should run on `node`: its node services, then its runtimes' daemons (those in `only`, when given). Pure. */
export function expectedServices(config: ClusterConfig, node: NodeInfo, only?: readonly string[]): ExpectedService[] {
  const own = node.kind === 'head' ? ['state', 'agent', 'controller', 'jobs'] : ['agent'];
  const mine = own.map((service) => ({ runtime: NODE_SERVICES_RUNTIME, service }));
  const runtimes = (runtimeSectionOf(config, node).types ?? config.runtime.types).flatMap((t) =>
    (RUNTIMES[t]?.services ?? [])
      .filter((s) => s.on === 'all' || s.on === node.kind)
      .map((s) => ({ runtime: t, service: s.name })),
  );
  const all = [...mine, ...runtimes];
  return only === undefined ? all : all.filter((s) => only.includes(s.runtime));
}

/** One line per pid file: `name supervisor-pid service-pid up|down`. */
export const PROCESS_PROBE = [
  `cd "$HOME/${NODE_RUNTIME_DIR}/run" 2>/dev/null || exit 0`,
  'for f in *.pid; do',
  '  [ -e "$f" ] || continue',
  '  s=${f%.pid}; p=; t=; read -r p t < "$f"',
  // A pid left from before a restart of the node may name another process now: its start time tells.
  `  now=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f20)`,
  // /proc rather than kill -0: the controller runs as root, and the node user may not signal it.
  '  if [ -n "$p" ] && [ -d "/proc/$p" ] && { [ -z "$t" ] || [ "$t" = "$now" ]; }; then',
  '    c=$(ps -o pid= --ppid "$p" 2>/dev/null | head -n1 | tr -d " "); echo "$s $p ${c:--} up"',
  '  else echo "$s - - down"; fi',
  'done',
].join('\n');

export interface ProbedProcess {
  service: string;
  /** The supervisor's pid. */
  supervisorPid?: number;
  /** The service's own process (the supervisor's child). */
  pid?: number;
  up: boolean;
}

/** Parse {@link PROCESS_PROBE}'s output. Pure. */
export function parseProcessProbe(stdout: string): ProbedProcess[] {
  const num = (v: string | undefined): number | undefined => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 4 && (f[3] === 'up' || f[3] === 'down'))
    .map(([service = '', sup, pid, state]) => {
      const p: ProbedProcess = { service, up: state === 'up' };
      const s = num(sup);
      const c = num(pid);
      if (s !== undefined) p.supervisorPid = s;
      if (c !== undefined) p.pid = c;
      return p;
    });
}

export interface ProcessRow {
  node: string;
  ip: string | undefined;
  kind: 'head' | 'worker';
  nodeType: string;
  runtime: string;
  service: string;
  state: 'running' | 'down';
  pid?: number;
}

/**
 * The rows of one node: every expected service (down when its pid file is missing or stale), and
 * services that run though not expected (started by hand), under runtime `-`. Pure.
 */
export function processRows(
  node: NodeInfo,
  expected: readonly ExpectedService[],
  probed: readonly ProbedProcess[],
  includeUnexpected: boolean,
): ProcessRow[] {
  const byName = new Map(probed.map((p) => [p.service, p]));
  const base = { node: node.id, ip: node.ip, kind: node.kind, nodeType: node.nodeType };
  const row = (runtime: string, service: string, p: ProbedProcess | undefined): ProcessRow => ({
    ...base,
    runtime,
    service,
    state: p?.up ? 'running' : 'down',
    ...(p?.up && (p.pid ?? p.supervisorPid) !== undefined ? { pid: p.pid ?? p.supervisorPid } : {}),
  });
  const rows = expected.map((e) => row(e.runtime, e.service, byName.get(e.service)));
  if (includeUnexpected) {
    const known = new Set(expected.map((e) => e.service));
    for (const p of probed) if (!known.has(p.service) && p.up) rows.push(row('-', p.service, p));
  }
  return rows;
}

/** Probe every running node (head first) for its supervised processes. */
export async function clusterProcesses(
  ctx: ClusterContext,
  options: { runtimes?: readonly string[]; nodes?: readonly NodeInfo[] } = {},
): Promise<ProcessRow[]> {
  const nodes = options.nodes ?? (await ctx.provider.listNodes()).filter((n) => n.running);
  requireHead(ctx.config, [...nodes]);
  const perNode = await Promise.all(
    nodes.map(async (node) => {
      const r = await ctx.provider.commandRunner(node).run({ command: PROCESS_PROBE });
      const probed = r.exitCode === 0 ? parseProcessProbe(r.stdout) : [];
      return processRows(node, expectedServices(ctx.config, node, options.runtimes), probed, !options.runtimes);
    }),
  );
  return perNode.flat();
}

export async function processStatus(config: ClusterConfig, runtimes?: readonly string[]): Promise<ProcessRow[]> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  return clusterProcesses(ctx, runtimes === undefined ? {} : { runtimes });
}
