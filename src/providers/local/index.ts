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
import { sshHostRunners, type HostRunners } from './runners.js';
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

/** A runner per host; commands on the head's host learn where the cluster's state is on this machine. */
function runners(cluster: ClusterRef, headHost: string): HostRunners {
  const auth: AuthConfig = cluster.auth ?? { ssh_user: cluster.sshUser };
  const headEnv = {
    CLOUDTIK_STATE_DIR: cluster.stateDir,
    CLOUDTIK_HOME: env.home(),
    CLOUDTIK_CONTROLLER_AS_USER: '1',
  };
  const known = knownHostsPath(workspaceStateDir('local', LOCAL_WORKSPACE));
  return sshHostRunners(auth, known, (host) => (host === headHost ? headEnv : undefined));
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
  configWarnings(config) {
    return config.docker.enabled === true
      ? ['docker.enabled is not applied by the local provider yet: software runs on the hosts themselves']
      : [];
  },
};

export const provider: ProviderModule = {
  type: 'local',
  async nodeProvider(cluster: ClusterRef) {
    const { section, hosts, headHost } = listedHostsOf(cluster);
    const hostStore = store();
    if (cluster.provider) await hostStore.update((s) => ({ state: reconcile(s, hosts), result: undefined }));
    const { runnerFor, closeHost } = runners(cluster, headHost);
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
    });
  },
  workspaces: () => Promise.resolve(localWorkspaces(store())),
  commandRunners(cluster: ClusterRef) {
    const { runnerFor } = runners(cluster, listedHostsOf(cluster).headHost);
    return Promise.resolve((node) => runnerFor(node.id));
  },
  hostResources: () => Promise.resolve(hostResources()),
  hints: HINTS,
  // A host's first setup installs Java, Hadoop and Spark (CloudTik waits as long).
  nodeStartWaitSeconds: 900,
};
