/**
 * The local provider: the nodes are hosts listed in `provider.nodes`, reached over SSH; the head
 * is the host that runs `cloudtik start` (or `provider.local_ip`). Hosts are given to a cluster
 * and taken back, never created; which host belongs to whom is in the hosts' state file, shared by
 * the CLI and the head's controller on that same machine.
 */
import os from 'node:os';
import path from 'node:path';
import { env } from '../../config/env.js';
import { hostResources, instanceResources } from '../../config/prepare.js';
import type { AuthConfig, ProviderConfig } from '../../config/types.js';
import { workspaceStateDir } from '../../core/cluster/context.js';
import { knownHostsPath } from '../../core/command/ssh-known-hosts.js';
import type { ClusterRef, HostResources, ProviderHints, ProviderModule } from '../provider.js';
import { chooseHeadHost, listedHosts, reconcile, type ListedHost } from './hosts.js';
import { FileHostBook } from './book.js';
import { HostNodeProvider } from './node-provider.js';
import { HostContainers, nodeImages } from './host-containers.js';
import { hostEngine } from './host-docker.js';
import { sshHostRunners, type HostRunners } from './runners.js';
import { connectDocker } from '../virtual/docker-client.js';
import type { DockerEngine } from '../virtual/engine.js';
import { HostStateStore } from './store.js';
import { LOCAL_WORKSPACE, localWorkspaces } from './workspace.js';

/** This machine's IPv4 addresses, loopback left out. */
function ownAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

/**
 * Size of an instance type: its `provider.instance_types` entry, else `fallback` (this machine's,
 * as in the config, for listed hosts; nothing for a pool's, whose types are all defined).
 */
export function sizeOf(
  provider: ProviderConfig,
  fallback: HostResources = hostResources(),
): (instanceType: string) => HostResources {
  return (name) => {
    const r = instanceResources({ instance_type: name }, fallback, provider);
    return { cpus: r.CPU ?? 0, memoryBytes: r.memory ?? 0 };
  };
}

/** What commands on the head learn: where the cluster's state is on this machine; the controller runs as the user. */
function headEnv(cluster: ClusterRef): Record<string, string> {
  return { CLOUDTIK_STATE_DIR: cluster.stateDir, CLOUDTIK_HOME: env.home(), CLOUDTIK_CONTROLLER_AS_USER: '1' };
}

/** A runner per host; commands on the head's host (bare) get {@link headEnv}. */
function runners(cluster: ClusterRef, headHost: string): HostRunners {
  const auth: AuthConfig = cluster.auth ?? { ssh_user: cluster.sshUser };
  const known = knownHostsPath(workspaceStateDir('local', LOCAL_WORKSPACE));
  const bare = cluster.docker?.enabled !== true;
  return sshHostRunners(auth, known, (host) => (bare && host === headHost ? headEnv(cluster) : undefined));
}

/**
 * With `docker.enabled`, each host runs its node in a container; the head's shares this machine's
 * cloudtik folder (the hosts' state file, the cluster's state) and the SSH key, as the user.
 * Images come from this machine's engine, or where it does not answer (the head's container, a
 * user not in the docker group), from the head host's engine over SSH.
 */
function containersOf(
  cluster: ClusterRef,
  sshFor: HostRunners['sshFor'],
  headHost: string,
): HostContainers | undefined {
  if (cluster.docker?.enabled !== true) return undefined;
  // Asked once, when an image is first needed (not when the provider is made for `status`).
  let answer: Promise<DockerEngine | undefined> | undefined;
  const local = (): Promise<DockerEngine | undefined> => (answer ??= connectDocker().catch(() => undefined));
  const key = cluster.auth?.ssh_private_key;
  return new HostContainers({
    workspaceName: cluster.workspaceName,
    clusterName: cluster.clusterName,
    sshUser: cluster.auth?.ssh_user ?? cluster.sshUser,
    sshFor,
    imageSource: async () => (await local()) ?? hostEngine(sshFor(headHost)),
    ensureImage: async (ref, sink) => {
      if (await local()) await (await nodeImages()).ensure([ref], sink);
    },
    head: {
      binds: [env.home(), ...(key ? [key] : [])],
      env: headEnv(cluster),
      uid: process.getuid?.(),
    },
  });
}

const store = (): HostStateStore => new HostStateStore();

/** The cluster's listed hosts and which of them is the head (this machine). */
function listedHostsOf(cluster: ClusterRef): { section: ProviderConfig; hosts: ListedHost[]; headHost: string } {
  const section: ProviderConfig = cluster.provider ?? { type: 'local' };
  const localIp = typeof section.local_ip === 'string' ? section.local_ip : undefined;
  const hosts = listedHosts(section.nodes, localIp);
  return { section, hosts, headHost: chooseHeadHost(hosts, localIp, ownAddresses()) };
}

const HINTS: ProviderHints = {
  inspectNode: (id) => `check the host: ssh ${id} (is sshd up, is the disk full?)`,
  clusterSupport: 'Nothing besides the hosts',
  configWarnings: () => [],
};

export const provider: ProviderModule = {
  type: 'local',
  async nodeProvider(cluster: ClusterRef) {
    const { section, hosts, headHost } = listedHostsOf(cluster);
    const hostStore = store();
    if (cluster.provider) await hostStore.update((s) => ({ state: reconcile(s, hosts), result: undefined }));
    const { runnerFor, closeHost, sshFor } = runners(cluster, headHost);
    return new HostNodeProvider({
      clusterName: cluster.clusterName,
      workspaceName: cluster.workspaceName,
      book: new FileHostBook(hostStore, headHost),
      lockTarget: path.join(path.dirname(hostStore.file), `${cluster.clusterName}.cluster`),
      sharedHost: headHost,
      sizeOf: sizeOf(section),
      sshUser: cluster.auth?.ssh_user ?? cluster.sshUser,
      stateDir: cluster.stateDir,
      runnerFor,
      closeHost,
      closeAll: () => Promise.all(hosts.map((h) => closeHost(h.ip))).then(() => undefined),
      containers: containersOf(cluster, sshFor, headHost),
    });
  },
  workspaces: () => Promise.resolve(localWorkspaces(store())),
  commandRunners(cluster: ClusterRef) {
    const { headHost } = listedHostsOf(cluster);
    const { runnerFor, sshFor } = runners(cluster, headHost);
    const containers = containersOf(cluster, sshFor, headHost);
    return Promise.resolve((node) => containers?.runner(node.id, node.kind) ?? runnerFor(node.id));
  },
  hostResources: () => Promise.resolve(hostResources()),
  hints: HINTS,
  // A host's first setup installs Java, Hadoop and Spark (CloudTik waits as long).
  nodeStartWaitSeconds: 900,
};
