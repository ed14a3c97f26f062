import fsp from 'node:fs/promises';
import type { WorkspaceConfig } from '../config/types.js';
import type { ClusterSummary, WorkspaceInfo, WorkspaceProvider } from '../providers/provider.js';
import { loadProvider, providerTypes } from '../providers/registry.js';
import { clusterStateDir, workspaceStateDir } from './cluster/context.js';
import { CloudtikError } from './errors.js';
import { logEvent, type EventSink } from './events.js';

async function workspacesOf(config: WorkspaceConfig): Promise<WorkspaceProvider> {
  return (await loadProvider(config.provider.type)).workspaces(config.provider);
}

/**
 * Create a workspace. When that fails part way, what was made of a workspace that did not exist
 * before is removed (unless `deleteIncomplete` is false, to look at it), then the error goes on.
 */
export async function createWorkspace(
  config: WorkspaceConfig,
  options: { deleteIncomplete?: boolean; sink?: EventSink } = {},
): Promise<{ created: boolean; info: WorkspaceInfo }> {
  const workspaces = await workspacesOf(config);
  const name = config.workspace_name;
  const existed = (await workspaces.get(name)) !== undefined;
  try {
    return await workspaces.create(name);
  } catch (err) {
    if (!existed && options.deleteIncomplete !== false) {
      await workspaces.remove(name).catch(() => false);
      if (options.sink) logEvent(options.sink, 'warn', `removed what was made of workspace ${name} before it failed`);
    }
    throw err;
  }
}

export interface WorkspaceDetails extends WorkspaceInfo {
  clusters: ClusterSummary[];
}

export async function workspaceInfo(config: WorkspaceConfig): Promise<WorkspaceDetails> {
  const workspaces = await workspacesOf(config);
  const info = await workspaces.get(config.workspace_name);
  if (!info) {
    throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `workspace ${config.workspace_name} does not exist`, {
      hint: 'create it with: cloudtik workspace create <workspace.yaml>',
    });
  }
  return { ...info, clusters: await workspaces.clusters(config.workspace_name) };
}

/** The workspaces of one provider type, with their clusters. */
export async function providerWorkspaces(type: string): Promise<WorkspaceDetails[]> {
  const workspaces = await (await loadProvider(type)).workspaces();
  const all = await workspaces.list();
  return Promise.all(all.map(async (w) => ({ ...w, clusters: await workspaces.clusters(w.name) })));
}

/** Every provider's workspaces. */
export async function listAllWorkspaces(): Promise<WorkspaceDetails[]> {
  const found: WorkspaceDetails[][] = [];
  for (const type of providerTypes()) found.push(await providerWorkspaces(type));
  return found.flat();
}

/**
 * Delete a workspace. Refuses while clusters live in it, unless `force`, which removes their
 * nodes (without stop commands: their configs are not known here) and their local state.
 */
export async function deleteWorkspace(
  config: WorkspaceConfig,
  options: { force?: boolean; sink: EventSink },
): Promise<{ deleted: boolean; stoppedClusters: string[] }> {
  const module = await loadProvider(config.provider.type);
  const workspaces = await module.workspaces(config.provider);
  const ws = config.workspace_name;
  const type = config.provider.type;
  const clusters = await workspaces.clusters(ws);
  if (clusters.length > 0 && !options.force) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_WORKSPACE',
      `workspace ${ws} still has ${clusters.length} cluster(s): ${clusters.map((c) => c.name).join(', ')}`,
      {
        hint: 'stop them first (cloudtik stop <cluster.yaml>), or pass --force to remove them',
      },
    );
  }
  for (const c of clusters) {
    const provider = await module.nodeProvider({
      workspaceName: ws,
      clusterName: c.name,
      stateDir: clusterStateDir(type, ws, c.name),
      sshUser: 'root',
      provider: config.provider,
    });
    await provider.withClusterLock(options.sink, async () => {
      const nodes = await provider.listNodes();
      await provider.terminateNodes(
        nodes.map((n) => n.id),
        options.sink,
      );
      await provider.releaseCluster?.();
      await provider.cleanupCluster();
    });
    logEvent(options.sink, 'info', `removed cluster ${c.name} (${c.head + c.workers} node(s))`);
  }
  const deleted = await workspaces.remove(ws);
  // The workspace's local state folder goes too once its clusters left nothing in it.
  await fsp.rmdir(workspaceStateDir(type, ws)).catch(() => undefined);
  return { deleted, stoppedClusters: clusters.map((c) => c.name) };
}
