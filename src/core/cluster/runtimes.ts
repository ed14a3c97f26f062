/**
 * User-side runtime operations: re-run the runtimes' start or stop commands on every node
 * (`cloudtik runtime start|stop`), and the endpoints of the runtimes' web UIs on the head.
 */
import type { ClusterConfig, CommandGroup } from '../../config/types.js';
import type { NodeInfo } from '../../providers/provider.js';
import { RUNTIMES } from '../../runtimes/registry.js';
import { CloudtikError } from '../errors.js';
import { logEvent, type EventSink } from '../events.js';
import { commandsFor } from '../updater/hashes.js';
import { nodeEnvironment } from '../updater/node-updater.js';
import { readSecrets } from './bootstrap.js';
import { openCluster } from './context.js';
import { requireHead } from './nodes.js';

export interface Endpoint {
  runtime: string;
  name: string;
  url: string;
}

/** The runtimes' web UIs and service addresses on the head at `headIp`. */
export function runtimeEndpoints(config: ClusterConfig, headIp: string): Endpoint[] {
  return config.runtime.types.flatMap((t) =>
    (RUNTIMES[t]?.endpoints ?? []).map((e) => ({
      runtime: t,
      name: e.name,
      url: `${e.scheme ?? 'http'}://${headIp}:${e.port}${e.path ?? ''}`,
    })),
  );
}

/** Lines for the "useful commands" of the cluster's runtimes. */
export function runtimeUsage(config: ClusterConfig, file: string): string[] {
  return config.runtime.types.flatMap((t) => (RUNTIMES[t]?.usage ?? []).map((u) => u.replaceAll('{file}', file)));
}

export async function runRuntimeCommands(
  config: ClusterConfig,
  action: 'start' | 'stop',
  options: { runtimes?: string[]; sink: EventSink },
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
    const runner = ctx.provider.commandRunner(node);
    const env = { ...nodeEnvironment(config, node, head.ip ?? ''), ...extra };
    for (const g of groups) {
      for (const command of g.commands) {
        logEvent(options.sink, 'info', `[${node.id}] (${g.group_name}) ${command}`);
        const r = await runner.run({ command, env });
        if (r.exitCode !== 0) {
          throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `${command} failed on ${node.id} (exit ${r.exitCode})`, {
            details: (r.stdout + r.stderr).trim().split('\n').slice(-15),
          });
        }
      }
    }
  };
  const workers = nodes.filter((n) => n.kind === 'worker');
  // Start: the head's services first (workers register with them). Stop: the other way round.
  if (action === 'start') {
    await runOn(head);
    await Promise.all(workers.map(runOn));
  } else {
    await Promise.all(workers.map(runOn));
    await runOn(head);
  }
  return { runtimes: selected, nodes: nodes.length };
}
