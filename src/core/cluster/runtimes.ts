/**
 * User-side runtime operations: re-run the runtimes' start or stop commands on every node
 * (`cloudtik runtime start|stop`), and the endpoints of the runtimes' web UIs on the head.
 */
import { naturalCompare } from '../natural-order.js';
import { portAnswers } from '../net.js';
import { NODE_RUNTIME_DIR } from '../../config/env.js';
import type { ClusterConfig, CommandGroup } from '../../config/types.js';
import type { NodeInfo } from '../../providers/provider.js';
import { RUNTIMES } from '../../runtimes/registry.js';
import { quote } from '../command/shell.js';
import { systemClock } from '../clock.js';
import { CloudtikError } from '../errors.js';
import type { EventSink } from '../events.js';
import { commandsFor, runtimeSectionOf } from '../updater/hashes.js';
import { nodeEnvironment, runCommandGroups } from '../updater/node-updater.js';
import { readSecrets } from './bootstrap.js';
import { openCluster } from './context.js';
import { requireHead, selectNodes } from './nodes.js';

export interface Endpoint {
  runtime: string;
  name: string;
  url: string;
}

/**
 * The runtimes' web UIs and service addresses on the head at `headIp`, and those served by every
 * worker as one `ip:port,...` list (none while no worker runs).
 */
export function runtimeEndpoints(config: ClusterConfig, headIp: string, workerIps: readonly string[] = []): Endpoint[] {
  const workers = [...workerIps].sort(naturalCompare);
  return config.runtime.types.flatMap((t) =>
    (RUNTIMES[t]?.endpoints ?? []).flatMap((e) => {
      if (e.on === 'workers') {
        return workers.length === 0
          ? []
          : [{ runtime: t, name: e.name, url: workers.map((ip) => `${ip}:${e.port}`).join(',') }];
      }
      return [{ runtime: t, name: e.name, url: `${e.scheme ?? 'http'}://${headIp}:${e.port}${e.path ?? ''}` }];
    }),
  );
}

/** Lines for the "useful commands" of the cluster's runtimes. */
export function runtimeUsage(config: ClusterConfig, file: string): string[] {
  return config.runtime.types.flatMap((t) => (RUNTIMES[t]?.usage ?? []).map((u) => u.replaceAll('{file}', file)));
}

export async function runRuntimeCommands(
  config: ClusterConfig,
  action: 'start' | 'stop',
  options: {
    runtimes?: string[];
    sink: EventSink;
    /** Only this node (IP or id). */
    nodeIp?: string | undefined;
    /** Every running node (the default); false: the head only, unless `nodeIp`. */
    allNodes?: boolean;
    /** Workers at the same time (the default), or one after another. */
    parallel?: boolean;
  },
): Promise<{ runtimes: string[]; nodes: number }> {
  const selected = options.runtimes ?? config.runtime.types;
  const unknown = selected.filter((r) => !config.runtime.types.includes(r));
  if (unknown.length > 0) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `not a runtime of this cluster: ${unknown.join(', ')}`, {
      hint: `its runtimes: ${config.runtime.types.join(', ') || 'none'}`,
    });
  }
  const ctx = await openCluster(config, { requireWorkspace: false });
  const nodes = (await ctx.provider.listNodes()).filter((n) => n.running);
  const head = requireHead(config, nodes);
  const secrets = await readSecrets(ctx.stateDir);
  const extra: Record<string, string> = secrets ? { CLOUDTIK_REDIS_PASSWORD: secrets.redisPassword } : {};
  const runOn = async (node: NodeInfo): Promise<void> => {
    const merged = commandsFor(config, node.nodeType);
    const key = node.kind === 'head' ? (`head_${action}_commands` as const) : (`worker_${action}_commands` as const);
    const groups: CommandGroup[] = merged[key].filter((g) => selected.includes(g.group_name));
    await runCommandGroups(ctx.provider.commandRunner(node), groups, {
      env: { ...nodeEnvironment(config, node, head.ip ?? ''), ...extra },
      node: node.id,
      sink: options.sink,
      retries: 0,
      intervalMs: 0,
      clock: systemClock,
      announce: 'info',
    });
  };
  const targets = runtimeTargets(config, nodes, options);
  const workers = targets.filter((n) => n.kind === 'worker');
  const onWorkers = async (): Promise<void> => {
    if (options.parallel === false) for (const w of workers) await runOn(w);
    else await Promise.all(workers.map(runOn));
  };
  const onHead = async (): Promise<void> => {
    if (targets.includes(head)) await runOn(head);
  };
  // Start: the head's services first (workers register with them). Stop: the other way round.
  if (action === 'start') {
    await onHead();
    await onWorkers();
  } else {
    await onWorkers();
    await onHead();
  }
  return { runtimes: selected, nodes: targets.length };
}

/** The nodes `runtime start|stop` acts on: one by IP or id, every running node, or the head alone. */
export function runtimeTargets(
  config: ClusterConfig,
  running: NodeInfo[],
  o: { nodeIp?: string | undefined; allNodes?: boolean },
): NodeInfo[] {
  if (o.nodeIp !== undefined) return selectNodes(config, running, { nodeIp: o.nodeIp });
  if (o.allNodes === false) return running.filter((n) => n.kind === 'head');
  return running;
}

export interface ServiceHealth {
  node: string;
  ip: string | undefined;
  runtime: string;
  service: string;
  /** Its supervisor runs on the node. */
  running: boolean;
  /** Its health port answers (undefined: it has none). */
  port?: number;
  answering?: boolean;
  log: string;
}

/**
 * The health of every runtime service on every running node: its supervisor alive on the node,
 * and its port answering from here.
 */
export async function runtimeStatus(config: ClusterConfig, only?: string[]): Promise<ServiceHealth[]> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const nodes = (await ctx.provider.listNodes()).filter((n) => n.running);
  requireHead(config, nodes);
  const rows = await Promise.all(
    nodes.map(async (node) => {
      const wanted = (runtimeSectionOf(config, node).types ?? [])
        .filter((t) => !only || only.includes(t))
        .flatMap((t) =>
          (RUNTIMES[t]?.services ?? [])
            .filter((s) => s.on === 'all' || s.on === node.kind)
            .map((s) => ({ runtime: t, ...s })),
        );
      if (wanted.length === 0) return [];
      const names = wanted.map((w) => quote(w.name)).join(' ');
      const probe = await ctx.provider.commandRunner(node).run({
        // A pid file holds the supervisor's pid and its start time (see node/services.ts): a pid
        // left from before a restart of the node that names another process now is not the service.
        command: [
          `for s in ${names}; do`,
          `  p=; t=; read -r p t < "$HOME/${NODE_RUNTIME_DIR}/run/$s.pid" 2>/dev/null`,
          `  now=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f20)`,
          `  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null && { [ -z "$t" ] || [ "$t" = "$now" ]; }; then echo "$s up"; else echo "$s down"; fi`,
          'done',
        ].join('\n'),
      });
      const up = new Set(
        probe.stdout
          .split('\n')
          .filter((l) => l.endsWith(' up'))
          .map((l) => l.slice(0, -3)),
      );
      return Promise.all(
        wanted.map(async (w): Promise<ServiceHealth> => ({
          node: node.id,
          ip: node.ip,
          runtime: w.runtime,
          service: w.name,
          running: up.has(w.name),
          ...(w.port !== undefined
            ? { port: w.port, answering: node.ip ? await portAnswers(node.ip, w.port) : false }
            : {}),
          log: `~/${NODE_RUNTIME_DIR}/logs/${w.name}.log`,
        })),
      );
    }),
  );
  return rows.flat();
}
