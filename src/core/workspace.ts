import fsp from 'node:fs/promises';
import type { WorkspaceConfig } from '../config/types.js';
import { connectDocker } from '../providers/virtual/docker-client.js';
import { VirtualNodeProvider } from '../providers/virtual/node-provider.js';
import {
  createWorkspace as createNetwork,
  getWorkspace,
  listWorkspaceClusters,
  listWorkspaces,
  removeWorkspace,
  type ClusterSummary,
  type WorkspaceInfo,
} from '../providers/virtual/workspace.js';
import { clusterStateDir, workspaceStateDir } from './cluster/context.js';
import { CloudtikError } from './errors.js';
import { logEvent, type EventSink } from './events.js';

function requireVirtual(config: WorkspaceConfig): void {
  if (config.provider.type !== 'virtual') {
    throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `provider type ${config.provider.type} is not supported yet`, {
      hint: 'use provider.type: virtual',
    });
  }
}

export async function createWorkspace(config: WorkspaceConfig): Promise<{ created: boolean; info: WorkspaceInfo }> {
  requireVirtual(config);
  const docker = await connectDocker();
  return createNetwork(docker, config.workspace_name);
}

export interface WorkspaceDetails extends WorkspaceInfo {
  clusters: ClusterSummary[];
}

export async function workspaceInfo(config: WorkspaceConfig): Promise<WorkspaceDetails> {
  requireVirtual(config);
  const docker = await connectDocker();
  const info = await getWorkspace(docker, config.workspace_name);
  if (!info) {
    throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `workspace ${config.workspace_name} does not exist`, {
      hint: 'create it with: cloudtik workspace create <workspace.yaml>',
    });
  }
  return { ...info, clusters: await listWorkspaceClusters(docker, config.workspace_name) };
}

export async function listAllWorkspaces(): Promise<WorkspaceDetails[]> {
  const docker = await connectDocker();
  const all = await listWorkspaces(docker);
  return Promise.all(all.map(async (w) => ({ ...w, clusters: await listWorkspaceClusters(docker, w.name) })));
}

/**
 * Delete a workspace. Refuses while clusters live in it, unless `force`, which removes their
 * nodes (without stop commands: their configs are not known here) and their local state.
 */
export async function deleteWorkspace(
  config: WorkspaceConfig,
  options: { force?: boolean; sink: EventSink },
): Promise<{ deleted: boolean; stoppedClusters: string[] }> {
  requireVirtual(config);
  const docker = await connectDocker();
  const ws = config.workspace_name;
  const clusters = await listWorkspaceClusters(docker, ws);
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
    const provider = new VirtualNodeProvider({
      docker,
      workspaceName: ws,
      clusterName: c.name,
      stateDir: clusterStateDir(ws, c.name),
      sshUser: 'root',
    });
    await provider.withClusterLock(options.sink, async () => {
      const nodes = await provider.listNodes();
      await provider.terminateNodes(
        nodes.map((n) => n.id),
        options.sink,
      );
      await provider.removeGate();
      await provider.cleanupCluster();
    });
    logEvent(options.sink, 'info', `removed cluster ${c.name} (${c.head + c.workers} node(s))`);
  }
  const deleted = await removeWorkspace(docker, ws);
  // The workspace's local state folder goes too once its clusters left nothing in it.
  await fsp.rmdir(workspaceStateDir(ws)).catch(() => undefined);
  return { deleted, stoppedClusters: clusters.map((c) => c.name) };
}
