/**
 * Every workspace and cluster the dashboard can find: the providers' workspaces (with the clusters
 * their labels show) and the local state folders of clusters started from this machine (which
 * hold the config to act with). A provider that cannot be listed is named in the warnings.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { BOOTSTRAP_FILE, readBootstrap } from '../../core/cluster/bootstrap.js';
import { listClusterNodes } from '../../core/cluster/nodes.js';
import { errorMessage } from '../../core/events.js';
import { providerWorkspaces } from '../../core/workspace.js';
import type { ClusterListItem, ClustersResponse } from '../contract.js';

type Workspace = ClustersResponse['workspaces'][number];

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** `<home>/<provider>/<workspace>/<cluster>/cluster.json`: clusters this machine can act on. */
export async function stateFolderClusters(home: string, provider: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const ws of await subdirs(path.join(home, provider))) {
    const clusters: string[] = [];
    for (const c of await subdirs(path.join(home, provider, ws))) {
      const ok = await fsp.stat(path.join(home, provider, ws, c, BOOTSTRAP_FILE)).then(
        (s) => s.isFile(),
        () => false,
      );
      if (ok) clusters.push(c);
    }
    if (clusters.length > 0) found.set(ws, clusters);
  }
  return found;
}

/** The running nodes and head address of a cluster with a local config (none when it cannot be listed). */
async function liveCounts(stateDir: string): Promise<Pick<ClusterListItem, 'nodes' | 'headIp'> | undefined> {
  try {
    const { config } = (await readBootstrap(stateDir)).bootstrap;
    const nodes = (await listClusterNodes(config)).filter((n) => n.running);
    const headIp = nodes.find((n) => n.kind === 'head')?.ip;
    return { nodes: nodes.length, ...(headIp !== undefined ? { headIp } : {}) };
  } catch {
    return undefined;
  }
}

async function providerEntry(home: string, provider: string, warnings: string[]): Promise<Workspace[]> {
  const local = await stateFolderClusters(home, provider);
  let listed: Awaited<ReturnType<typeof providerWorkspaces>> = [];
  try {
    listed = await providerWorkspaces(provider);
  } catch (err) {
    warnings.push(`${provider}: ${errorMessage(err)}`);
  }
  const names = new Set([...listed.map((w) => w.name), ...local.keys()]);
  return Promise.all(
    [...names].sort().map(async (name) => {
      const running = new Map((listed.find((w) => w.name === name)?.clusters ?? []).map((c) => [c.name, c.running]));
      const mine = local.get(name) ?? [];
      const clusters = await Promise.all(
        [...new Set([...running.keys(), ...mine])].sort().map(async (cluster): Promise<ClusterListItem> => {
          const manageable = mine.includes(cluster);
          const live = manageable ? await liveCounts(path.join(home, provider, name, cluster)) : undefined;
          return { provider, workspace: name, cluster, nodes: running.get(cluster) ?? 0, ...live, manageable };
        }),
      );
      return { provider, name, clusters };
    }),
  );
}

export async function discoverClusters(home: string, providers: string[]): Promise<ClustersResponse> {
  const warnings: string[] = [];
  const all = await Promise.all(providers.map((p) => providerEntry(home, p, warnings)));
  return { workspaces: all.flat(), ...(warnings.length > 0 ? { warnings } : {}) };
}
