/**
 * The onpremise provider: the nodes are hosts a host-pool service hands out (`cloudtik simulator`),
 * reached over SSH, set up like the local provider's hosts. Clusters of several workspaces share
 * the pool; the head is one of its hosts, and its controller asks the same service for workers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hostResources } from '../../config/prepare.js';
import type { AuthConfig, ProviderConfig } from '../../config/types.js';
import { workspaceStateDir } from '../../core/cluster/context.js';
import { quote } from '../../core/command/shell.js';
import { CloudtikError } from '../../core/errors.js';
import { knownHostsPath } from '../../core/command/ssh-known-hosts.js';
import { clusterLockBeside } from '../../core/state/lock.js';
import { clearDisksScript } from '../local/disks.js';
import { sizeOf } from '../local/index.js';
import { HostContainers, nodeImages } from '../local/host-containers.js';
import { hostEngine } from '../local/host-docker.js';
import { sshHostRunners, type HostRunners } from '../local/runners.js';
import {
  HEAD_STATE_DIR,
  type ClusterRef,
  type NodeProvider,
  type ProviderHints,
  type ProviderModule,
} from '../provider.js';
import { connectDocker } from '../virtual/docker-client.js';
import type { DockerEngine } from '../virtual/engine.js';
import { PoolHostBook } from './book.js';
import { poolConnection } from './connection.js';
import { PoolClient } from './client.js';
import { poolLeftovers } from './leftovers.js';
import { CLAIM_FILE, claimGuard, HEAD_KEY_FILE, PoolNodeProvider } from './node-provider.js';
import { poolWorkspaces, withoutPool } from './workspace.js';

/**
 * Runners over SSH to the pool's hosts. On the head, the key `start` copied there reaches the
 * workers; the controller runs as the SSH user (it needs no root on hosts).
 */
function runners(cluster: ClusterRef): HostRunners {
  const auth: AuthConfig = { ...(cluster.auth ?? { ssh_user: cluster.sshUser }) };
  const keyOnHead = path.join(cluster.stateDir, HEAD_KEY_FILE);
  if (cluster.stateDir === HEAD_STATE_DIR && fs.existsSync(keyOnHead)) auth.ssh_private_key = keyOnHead;
  const known = knownHostsPath(workspaceStateDir('onpremise', cluster.workspaceName));
  const env = { CLOUDTIK_CONTROLLER_AS_USER: '1' };
  return sshHostRunners(auth, known, () => env);
}

/**
 * What an onpremise node leaves on a host it gives back, as root: the head's state folder (the
 * key and token with it), the pool claim, the shared SSH connections its controller kept open, and
 * its data disks (folders it made, links, mounts).
 */
function clearHostScript(sshUser: string): string {
  const home = `$(getent passwd ${quote(sshUser)} | cut -d: -f6)`;
  return [
    `home=${home}`,
    `[ -n "$home" ] && pkill -u ${quote(sshUser)} -f "ControlPath=$home/.cloudtik/ssh/"`,
    `rm -rf ${HEAD_STATE_DIR} ${CLAIM_FILE}`,
    clearDisksScript(),
  ].join('\n');
}

/**
 * With `docker.enabled`, each host runs its node in a container. Images come from this machine's
 * engine when `start` runs here; the head's controller sends them on from the head's host, which
 * got them from `start`.
 */
function containersOf(
  cluster: ClusterRef,
  sshFor: HostRunners['sshFor'],
  heads: () => Promise<string | undefined>,
): HostContainers | undefined {
  if (cluster.docker?.enabled !== true) return undefined;
  const onHead = cluster.stateDir === HEAD_STATE_DIR;
  const imageSource = async (): Promise<DockerEngine> => {
    if (!onHead) return connectDocker();
    const head = await heads();
    if (!head)
      throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `cluster ${cluster.clusterName} has no head to send images from`);
    return hostEngine(sshFor(head));
  };
  return new HostContainers({
    workspaceName: cluster.workspaceName,
    clusterName: cluster.clusterName,
    sshUser: cluster.auth?.ssh_user ?? cluster.sshUser,
    sshFor,
    imageSource,
    ensureImage: onHead ? undefined : (ref, sink) => nodeImages().then((images) => images.ensure([ref], sink)),
  });
}

const HINTS: ProviderHints = {
  inspectNode: (id) =>
    `check the host: ssh ${id} (is sshd up, is the disk full?); cloudtik simulator status shows the pool`,
  clusterSupport: "Nothing besides the pool's hosts",
  configWarnings: () => [],
};

export const provider: ProviderModule = {
  type: 'onpremise',
  async nodeProvider(cluster: ClusterRef) {
    const section: ProviderConfig = cluster.provider ?? { type: 'onpremise' };
    const connection = await poolConnection(section, cluster.stateDir);
    const client = new PoolClient(connection.address, connection.token);
    const { runnerFor, closeHost, sshFor } = runners(cluster);
    const opened = new Set<string>();
    const sshUser = cluster.auth?.ssh_user ?? cluster.sshUser;
    const headHost = async (): Promise<string | undefined> => (await made.listNodes({ kind: 'head' }))[0]?.id;
    const made: NodeProvider = new PoolNodeProvider({
      clusterName: cluster.clusterName,
      workspaceName: cluster.workspaceName,
      book: new PoolHostBook(client, cluster.workspaceName),
      lockTarget: clusterLockBeside(cluster.stateDir),
      clearHost: () => clearHostScript(sshUser),
      teardownGuard: claimGuard(connection.address),
      sizeOf: sizeOf(section, { cpus: 0, memoryBytes: 0 }),
      sshUser,
      stateDir: cluster.stateDir,
      runnerFor: (host) => {
        opened.add(host);
        return runnerFor(host);
      },
      closeHost,
      closeAll: () => Promise.all([...opened].map(closeHost)).then(() => undefined),
      connection,
      auth: cluster.auth,
      containers: containersOf(cluster, sshFor, headHost),
    });
    return made;
  },
  async workspaces(section?: ProviderConfig) {
    try {
      const c = await poolConnection(section);
      return poolWorkspaces(new PoolClient(c.address, c.token), c.address);
    } catch (err) {
      return withoutPool(err as Error);
    }
  },
  commandRunners(cluster: ClusterRef) {
    const { runnerFor, sshFor } = runners(cluster);
    const containers = containersOf(cluster, sshFor, () => Promise.resolve(undefined));
    return Promise.resolve((node) => containers?.runner(node.id) ?? runnerFor(node.id));
  },
  hostResources: () => Promise.resolve(hostResources()),
  hints: HINTS,
  // A host's first setup installs Java, Hadoop and Spark (CloudTik waits as long).
  nodeStartWaitSeconds: 900,
  heldHosts: poolLeftovers,
};
