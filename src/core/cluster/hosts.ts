/**
 * Node host names, as CloudTik's `head-host` and `worker-hosts` give them: the name a node has on
 * the cluster network when the other nodes resolve it (on the virtual provider, Docker's DNS on
 * the workspace network resolves a container's name), else its IP.
 */
import { naturalCompare } from '../natural-order.js';
import type { ClusterConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { quoteArgs } from '../command/shell.js';
import { runtimeSectionOf } from '../updater/hashes.js';
import { openCluster, type ClusterContext } from './context.js';
import { requireHead } from './nodes.js';

export interface NodeHost {
  node: string;
  ip: string | undefined;
  host: string;
}

/** The workers `worker-ips`/`worker-hosts` list: running, with the runtime and status asked for. Pure. */
export function selectWorkers(
  config: ClusterConfig,
  nodes: readonly NodeInfo[],
  filter: { runtime?: string | undefined; nodeStatus?: string | undefined },
): NodeInfo[] {
  return nodes.filter(
    (n) =>
      n.kind === 'worker' &&
      n.running &&
      (filter.nodeStatus === undefined || n.tags[TAG.nodeStatus] === filter.nodeStatus) &&
      (filter.runtime === undefined || (runtimeSectionOf(config, n).types ?? []).includes(filter.runtime)),
  );
}

/**
 * Each node's host: its `hostname`, kept when the head resolves that name to the node's own IP
 * (`getent hosts`), else the IP.
 */
export async function nodeHosts(ctx: ClusterContext, head: NodeInfo, nodes: readonly NodeInfo[]): Promise<NodeHost[]> {
  const names = await Promise.all(
    nodes.map(async (n) => {
      const r = await ctx.provider.commandRunner(n).run({ command: 'hostname' });
      return r.exitCode === 0 ? r.stdout.trim() : '';
    }),
  );
  const asked = names.filter((n) => /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(n));
  const resolved = new Map<string, string>();
  if (asked.length > 0) {
    const r = await ctx.provider.commandRunner(head).run({ command: `getent hosts ${quoteArgs(asked)} || true` });
    for (const line of r.stdout.split('\n')) {
      const [ip, ...aliases] = line.trim().split(/\s+/);
      for (const a of aliases) if (ip) resolved.set(a, ip);
    }
  }
  return nodes.map((n, i) => {
    const name = names[i] ?? '';
    const host = name !== '' && n.ip !== undefined && resolved.get(name) === n.ip ? name : (n.ip ?? n.id);
    return { node: n.id, ip: n.ip, host };
  });
}

export async function headHost(config: ClusterConfig): Promise<NodeHost> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const head = requireHead(config, await ctx.provider.listNodes());
  const [h] = await nodeHosts(ctx, head, [head]);
  return h as NodeHost;
}

/** The selected workers' hosts, sorted as CloudTik sorts them. */
export async function workerHosts(
  config: ClusterConfig,
  filter: { runtime?: string | undefined; nodeStatus?: string | undefined },
): Promise<NodeHost[]> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const nodes = await ctx.provider.listNodes();
  const head = requireHead(config, nodes);
  const hosts = await nodeHosts(ctx, head, selectWorkers(config, nodes, filter));
  return hosts.sort((a, b) => naturalCompare(a.host, b.host));
}
