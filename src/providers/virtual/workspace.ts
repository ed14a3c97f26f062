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

/** Label of a workspace network whose nodes get fixed addresses (see `createWorkspace`). */
export const STATIC_ADDRESSES_LABEL = 'cloudtik-static-addresses';

export interface WorkspaceInfo {
  name: string;
  network: string;
  bridge: string | undefined;
  subnet: string | undefined;
  gateway: string | undefined;
  /** Nodes get a fixed address from the lower half of the subnet (the engine hands out the upper half). */
  staticAddresses: boolean;
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
    staticAddresses: net.Labels?.[STATIC_ADDRESSES_LABEL] === 'true' && ipam?.Subnet !== undefined,
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

/**
 * Create the workspace network if it is missing; returns whether it was created now.
 *
 * A container on a network whose subnet the engine chose gets a new address each time it starts
 * (after an engine or host restart, the nodes come back in any order and swap addresses), while
 * every node's services are configured with the head's and their own address. Fixed addresses
 * need a subnet given at creation: the engine picks a free one first (it knows the host's routes
 * and its other networks), and the network is made again with that subnet given, the engine's own
 * allocations kept to its upper half and the lower half left to the nodes.
 */
export async function createWorkspace(
  docker: DockerEngine,
  workspace: string,
): Promise<{ created: boolean; info: WorkspaceInfo }> {
  const existing = await getWorkspace(docker, workspace);
  if (existing) return { created: false, info: existing };
  const spec = {
    Name: networkName(workspace),
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: { [TAG.workspace]: workspace },
    Options: { 'com.docker.network.bridge.name': bridgeName(workspace) },
  };
  try {
    await createWithFixedSubnet(docker, spec);
  } catch (err) {
    // Another command created it between our look and our create: that is the state we wanted.
    if (!isDockerStatus(err, 409)) throw err;
  }
  const info = await getWorkspace(docker, workspace);
  if (!info) throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `workspace ${workspace} vanished right after creation`);
  return { created: true, info };
}

/**
 * Let the engine choose a free subnet (on a probe network of another name), then create the
 * network with it. Another network may take that subnet in between: then the engine chooses again.
 */
async function createWithFixedSubnet(
  docker: DockerEngine,
  spec: { Name: string; Labels: Record<string, string> } & Record<string, unknown>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const probe = await docker.createNetwork({
      Name: `${spec.Name}-probe-${crypto.randomBytes(3).toString('hex')}`,
      Driver: 'bridge',
      Labels: { [STATIC_ADDRESSES_LABEL]: 'probe' },
    });
    const ipam = (await probe.inspect()).IPAM?.Config?.[0];
    await probe.remove();
    const fixed =
      ipam?.Subnet && ipam.Gateway
        ? { Subnet: ipam.Subnet, Gateway: ipam.Gateway, IPRange: upperHalf(ipam.Subnet) }
        : undefined;
    try {
      await docker.createNetwork({
        ...spec,
        ...(fixed ? { IPAM: { Driver: 'default', Config: [fixed] } } : {}),
        Labels: { ...spec.Labels, [STATIC_ADDRESSES_LABEL]: String(fixed !== undefined) },
      });
      return;
    } catch (err) {
      const overlap = err instanceof Error && /overlap/i.test(err.message);
      if (!overlap || attempt >= 3) throw err;
    }
  }
}

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The upper half of an IPv4 subnet (`172.20.0.0/16` gives `172.20.128.0/17`). */
export function upperHalf(subnet: string): string {
  const [base = '', bits = '32'] = subnet.split('/');
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  return `${numberToIpv4(ipv4ToNumber(base) + size / 2)}/${prefix + 1}`;
}

/**
 * A free fixed address for a node: random in the lower half of the subnet (so two launches at
 * the same time rarely pick the same one), not the network's or the gateway's, not in `used`.
 * Undefined when none is left. Pure but for `random`.
 */
export function pickNodeAddress(
  subnet: string,
  gateway: string | undefined,
  used: ReadonlySet<string>,
  random: () => number = Math.random,
): string | undefined {
  const [base = '', bits = '32'] = subnet.split('/');
  const size = 2 ** (32 - Number(bits));
  const first = ipv4ToNumber(base) + 2;
  const count = size / 2 - 2;
  if (count <= 0) return undefined;
  const start = Math.floor(random() * count);
  for (let i = 0; i < count; i++) {
    const ip = numberToIpv4(first + ((start + i) % count));
    if (ip !== gateway && !used.has(ip)) return ip;
  }
  return undefined;
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
