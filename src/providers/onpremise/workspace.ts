/**
 * Onpremise workspaces live in the host-pool service, so clusters of every machine that uses the
 * pool see the same ones; a workspace's clusters are read from the hosts it holds.
 */
import { TAG, type ClusterSummary, type WorkspaceInfo, type WorkspaceProvider } from '../provider.js';
import type { PoolClient } from './client.js';

function info(name: string, address: string): WorkspaceInfo {
  return { name, network: `hosts of the pool at ${address}` };
}

export function poolWorkspaces(client: PoolClient, address: string): WorkspaceProvider {
  return {
    async create(name) {
      if (await client.call('get_workspace', name)) return { created: false, info: info(name, address) };
      await client.call('create_workspace', name);
      return { created: true, info: info(name, address) };
    },
    async get(name) {
      return (await client.call('get_workspace', name)) ? info(name, address) : undefined;
    },
    async list() {
      return (await client.call('list_workspaces')).map((w) => info(w.name, address));
    },
    async clusters(name) {
      const byName = new Map<string, ClusterSummary>();
      for (const host of await client.call('list_nodes', name, {})) {
        const cluster = host.tags[TAG.cluster];
        if (cluster === undefined) continue;
        const summary = byName.get(cluster) ?? { name: cluster, head: 0, workers: 0, running: 0 };
        if (host.tags[TAG.nodeKind] === 'head') summary.head++;
        else summary.workers++;
        summary.running++;
        byName.set(cluster, summary);
      }
      return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    },
    async remove(name) {
      if (!(await client.call('get_workspace', name))) return false;
      await client.call('delete_workspace', name);
      return true;
    },
  };
}

/** Workspaces when no pool service is known: none to list; anything else says how to find one. */
export function withoutPool(reason: Error): WorkspaceProvider {
  const fail = (): Promise<never> => Promise.reject(reason);
  return { list: () => Promise.resolve([]), create: fail, get: fail, clusters: fail, remove: fail };
}
