import crypto from 'node:crypto';
import type { DockerEngine, NetworkInspect } from './engine.js';
import { CloudtikError } from '../../core/errors.js';
import { TAG } from '../provider.js';
import { isDockerStatus } from './docker-client.js';
import { GATE_KIND } from './gate.js';

/** Docker network of a workspace. */
export function networkName(workspace: string): string {
  return `cloudtik-${workspace}`;
}

/** Linux bridge names are at most 15 characters: `tik-` and 8 hex digits of the network name's hash. */
function bridgeName(workspace: string): string {
  return `tik-${crypto.createHash('sha1').update(networkName(workspace)).digest('hex').slice(0, 8)}`;
}

export interface WorkspaceInfo {
  name: string;
  network: string;
  bridge: string | undefined;
  subnet: string | undefined;
  gateway: string | undefined;
  createdAt: string | undefined;
}

function toInfo(name: string, net: NetworkInspect): WorkspaceInfo {
  const ipam = net.IPAM?.Config?.[0];
  return {
    name,
    network: net.Name,
    bridge: net.Options?.['com.docker.network.bridge.name'],
    subnet: ipam?.Subnet,
    gateway: ipam?.Gateway,
    createdAt: net.Created,
  };
}

/** The workspace's network, or undefined when the workspace does not exist. */
export async function getWorkspace(docker: DockerEngine, workspace: string): Promise<WorkspaceInfo | undefined> {
  try {
    const net = await docker.getNetwork(networkName(workspace)).inspect();
    if (net.Labels?.[TAG.workspace] !== workspace) {
      throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `network ${net.Name} exists but was not created by cloudtik`, {
        hint: `remove it (docker network rm ${net.Name}) or choose another workspace name`,
      });
    }
    return toInfo(workspace, net);
  } catch (err) {
    if (isDockerStatus(err, 404)) return undefined;
    throw err;
  }
}

/** Create the workspace network if it is missing; returns whether it was created now. */
export async function createWorkspace(
  docker: DockerEngine,
  workspace: string,
): Promise<{ created: boolean; info: WorkspaceInfo }> {
  const existing = await getWorkspace(docker, workspace);
  if (existing) return { created: false, info: existing };
  try {
    await docker.createNetwork({
      Name: networkName(workspace),
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { [TAG.workspace]: workspace },
      Options: { 'com.docker.network.bridge.name': bridgeName(workspace) },
    });
  } catch (err) {
    // Another command created it between our look and our create: that is the state we wanted.
    if (!isDockerStatus(err, 409)) throw err;
  }
  const info = await getWorkspace(docker, workspace);
  if (!info) throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `workspace ${workspace} vanished right after creation`);
  return { created: true, info };
}

/** Remove the workspace network (callers check for clusters first). */
export async function removeWorkspace(docker: DockerEngine, workspace: string): Promise<boolean> {
  try {
    await docker.getNetwork(networkName(workspace)).remove();
    return true;
  } catch (err) {
    if (isDockerStatus(err, 404)) return false;
    throw err;
  }
}

/** All workspaces made by cloudtik on this engine. */
export async function listWorkspaces(docker: DockerEngine): Promise<WorkspaceInfo[]> {
  const nets = await docker.listNetworks({ filters: { label: [TAG.workspace] } });
  return nets.map((n) => toInfo(n.Labels?.[TAG.workspace] ?? n.Name, n)).sort((a, b) => a.name.localeCompare(b.name));
}

export interface ClusterSummary {
  name: string;
  head: number;
  workers: number;
  running: number;
}

/** Clusters living in a workspace, from container labels. */
export async function listWorkspaceClusters(docker: DockerEngine, workspace: string): Promise<ClusterSummary[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${TAG.workspace}=${workspace}`] } });
  const byCluster = new Map<string, ClusterSummary>();
  for (const c of containers) {
    const name = c.Labels[TAG.cluster];
    if (name === undefined) continue;
    const s = byCluster.get(name) ?? { name, head: 0, workers: 0, running: 0 };
    byCluster.set(name, s);
    // The cluster's Docker gate makes the cluster known (so a forced delete removes it) but is no node.
    if (c.Labels[TAG.nodeKind] === GATE_KIND) continue;
    if (c.Labels[TAG.nodeKind] === 'head') s.head++;
    else s.workers++;
    if (c.State === 'running') s.running++;
    byCluster.set(name, s);
  }
  return [...byCluster.values()].sort((a, b) => a.name.localeCompare(b.name));
}
