/**
 * The local provider: the nodes are hosts listed in `provider.nodes`, reached over SSH; the head
 * is the host that runs `cloudtik start` (or `provider.local_ip`). Hosts are given to a cluster
 * and taken back, never created; which host belongs to whom is in the hosts' state file, shared by
 * the CLI and the head's controller on that same machine.
 */
import os from 'node:os';
import path from 'node:path';
import { env } from '../../config/env.js';
import { parseMemory } from '../../config/resources.js';
import type { AuthConfig, ProviderConfig } from '../../config/types.js';
import type { CommandResult, CommandRunner, RunOptions, ShellArgvOptions } from '../../core/command/runner.js';
import { createSshRunner, sshTargetFromAuth, type SshRunner } from '../../core/command/ssh.js';
import { knownHostsPath } from '../../core/command/ssh-known-hosts.js';
import type { ClusterRef, HostResources, ProviderHints, ProviderModule } from '../provider.js';
import { chooseHeadHost, listedHosts, reconcile } from './hosts.js';
import { LocalNodeProvider } from './node-provider.js';
import { HostStateStore } from './store.js';
import { LOCAL_WORKSPACE, localWorkspaces } from './workspace.js';

function thisMachine(): HostResources {
  return { cpus: os.cpus().length, memoryBytes: os.totalmem() };
}

/** This machine's IPv4 addresses, loopback left out. */
function ownAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

function sizeOf(provider: ProviderConfig): (instanceType: string) => HostResources {
  const types = (provider.instance_types ?? {}) as Record<string, { CPU?: number; memory?: string | number }>;
  return (name) => {
    const t = types[name];
    if (!t) return thisMachine();
    return {
      cpus: t.CPU ?? thisMachine().cpus,
      memoryBytes: t.memory !== undefined ? parseMemory(t.memory) : thisMachine().memoryBytes,
    };
  };
}

/** A runner whose commands all get some environment first. */
class WithEnv implements CommandRunner {
  readonly nodeId: string;
  constructor(
    private readonly inner: CommandRunner,
    private readonly env: Record<string, string>,
  ) {
    this.nodeId = inner.nodeId;
  }
  run(options: RunOptions): Promise<CommandResult> {
    return this.inner.run({ ...options, env: { ...this.env, ...options.env } });
  }
  upload(source: string, target: string): Promise<void> {
    return this.inner.upload(source, target);
  }
  download(source: string, target: string): Promise<void> {
    return this.inner.download(source, target);
  }
  interactiveShellArgv(command?: string, options?: ShellArgvOptions): string[] {
    return this.inner.interactiveShellArgv(command, options);
  }
}

/** A runner per host; commands on the head's host learn where the cluster's state is on this machine. */
function runners(
  cluster: ClusterRef,
  headHost: string,
): { runnerFor: (host: string) => CommandRunner; closeHost: (host: string) => Promise<void> } {
  const auth: AuthConfig = cluster.auth ?? { ssh_user: cluster.sshUser };
  const known = knownHostsPath(path.join(env.home(), 'local', LOCAL_WORKSPACE));
  const cache = new Map<string, CommandRunner>();
  const connections = new Map<string, SshRunner>();
  const headEnv = {
    CLOUDTIK_STATE_DIR: cluster.stateDir,
    CLOUDTIK_HOME: env.home(),
    CLOUDTIK_CONTROLLER_AS_USER: '1',
  };
  const sshTo = (host: string): SshRunner => {
    let ssh = connections.get(host);
    // The config loader made the key's path absolute, so the folder given here is never used.
    ssh ??= createSshRunner(sshTargetFromAuth(auth, { nodeId: host, host }, { knownHostsPath: known, configDir: '/' }));
    connections.set(host, ssh);
    return ssh;
  };
  return {
    runnerFor(host) {
      let runner = cache.get(host);
      if (runner) return runner;
      runner = host === headHost ? new WithEnv(sshTo(host), headEnv) : sshTo(host);
      cache.set(host, runner);
      return runner;
    },
    // Also ends a connection another process (the head's controller) left open to that host.
    closeHost: (host) => sshTo(host).close(),
  };
}

const store = (): HostStateStore => new HostStateStore();

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
    const section: ProviderConfig = cluster.provider ?? { type: 'local' };
    const localIp = typeof section.local_ip === 'string' ? section.local_ip : undefined;
    const hosts = listedHosts(section.nodes, localIp);
    const headHost = chooseHeadHost(hosts, localIp, ownAddresses());
    const hostStore = store();
    if (cluster.provider) await hostStore.update((s) => ({ state: reconcile(s, hosts), result: undefined }));
    return new LocalNodeProvider({
      clusterName: cluster.clusterName,
      workspaceName: cluster.workspaceName,
      hosts,
      headHost,
      store: hostStore,
      sizeOf: sizeOf(section),
      sshUser: cluster.auth?.ssh_user ?? cluster.sshUser,
      stateDir: cluster.stateDir,
      ...runners(cluster, headHost),
    });
  },
  workspaces: () => Promise.resolve(localWorkspaces(store())),
  async commandRunners(cluster: ClusterRef) {
    const nodes = await this.nodeProvider(cluster);
    return (node) => nodes.commandRunner(node);
  },
  hostResources: () => Promise.resolve(thisMachine()),
  hints: HINTS,
  // A host's first setup installs Java, Hadoop and Spark (CloudTik waits as long).
  nodeStartWaitSeconds: 900,
};
