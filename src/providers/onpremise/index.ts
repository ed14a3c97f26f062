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
import { knownHostsPath } from '../../core/command/ssh-known-hosts.js';
import { clusterLockBeside } from '../../core/state/lock.js';
import { sizeOf } from '../local/index.js';
import { sshHostRunners, type HostRunners } from '../local/runners.js';
import { HEAD_STATE_DIR, type ClusterRef, type ProviderHints, type ProviderModule } from '../provider.js';
import { PoolHostBook } from './book.js';
import { poolConnection } from './connection.js';
import { PoolClient } from './client.js';
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
 * key and token with it), the pool claim, and the shared SSH connections its controller kept open.
 */
function clearHostScript(sshUser: string): string {
  const home = `$(getent passwd ${quote(sshUser)} | cut -d: -f6)`;
  return [
    `home=${home}`,
    `[ -n "$home" ] && pkill -u ${quote(sshUser)} -f "ControlPath=$home/.cloudtik/ssh/"`,
    `rm -rf ${HEAD_STATE_DIR} ${CLAIM_FILE}`,
  ].join('\n');
}

const HINTS: ProviderHints = {
  inspectNode: (id) =>
    `check the host: ssh ${id} (is sshd up, is the disk full?); cloudtik simulator status shows the pool`,
  clusterSupport: "Nothing besides the pool's hosts",
  configWarnings(config) {
    return config.docker.enabled === true
      ? ['docker.enabled is not applied by the onpremise provider yet: software runs on the hosts themselves']
      : [];
  },
};

export const provider: ProviderModule = {
  type: 'onpremise',
  async nodeProvider(cluster: ClusterRef) {
    const section: ProviderConfig = cluster.provider ?? { type: 'onpremise' };
    const connection = await poolConnection(section, cluster.stateDir);
    const client = new PoolClient(connection.address, connection.token);
    const { runnerFor, closeHost } = runners(cluster);
    const opened = new Set<string>();
    const sshUser = cluster.auth?.ssh_user ?? cluster.sshUser;
    return new PoolNodeProvider({
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
    });
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
    const { runnerFor } = runners(cluster);
    return Promise.resolve((node) => runnerFor(node.id));
  },
  hostResources: () => Promise.resolve(hostResources()),
  hints: HINTS,
  // A host's first setup installs Java, Hadoop and Spark (CloudTik waits as long).
  nodeStartWaitSeconds: 900,
};
