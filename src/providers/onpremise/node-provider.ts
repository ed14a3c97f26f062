/**
 * Nodes of an onpremise cluster: hosts of the pool, set up as the local provider's are. Unlike a
 * local head, an onpremise head is a host of the pool, away from the machine that runs `start`:
 * the cluster's state, the pool's token and the SSH key reaching the workers are copied to it.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isLoopback } from '../../config/rules-hosts.js';
import type { AuthConfig } from '../../config/types.js';
import { tailLines, type CommandRunner } from '../../core/command/runner.js';
import { quote } from '../../core/command/shell.js';
import { CloudtikError } from '../../core/errors.js';
import { HostNodeProvider, type HostProviderOptions } from '../local/node-provider.js';
import { stateJsonFiles, TAG, type NodeInfo, type StateFile } from '../provider.js';
import { HEAD_TOKEN_FILE, type PoolConnection } from './connection.js';

/** The SSH key reaching the workers, in the cluster's state folder on the head. */
export const HEAD_KEY_FILE = 'bootstrap-key';

/**
 * Which pool's cluster holds a host, kept on the host while it is a node: `<pool address>
 * <workspace>/<cluster>`. A host listed in two pools is then found when the second one hands it out.
 */
export const CLAIM_FILE = '/var/lib/cloudtik/pool-claim';

/** True on a host no other pool's cluster holds. */
export function claimGuard(address: string): string {
  return `{ [ ! -f ${CLAIM_FILE} ] || [ "$(cut -d' ' -f1 ${CLAIM_FILE})" = ${quote(address)} ]; }`;
}

/** Claims the host for this pool's cluster, or fails (exit 3, the holder on stdout) if another pool's cluster holds it. */
export function claimScript(address: string, owner: string): string {
  return [
    `if ! ${claimGuard(address)}; then cat ${CLAIM_FILE}; exit 3; fi`,
    `mkdir -p ${path.posix.dirname(CLAIM_FILE)}`,
    `printf '%s\\n' ${quote(`${address} ${owner}`)} > ${CLAIM_FILE}`,
  ].join('\n');
}

export interface PoolNodeOptions extends HostProviderOptions {
  connection: PoolConnection;
  auth: AuthConfig | undefined;
}

export class PoolNodeProvider extends HostNodeProvider {
  constructor(private readonly pool: PoolNodeOptions) {
    super(pool);
  }

  /** The head must reach the pool's service: an address on loopback names the head itself. */
  prepareCluster(): Promise<{ created: boolean }> {
    const host = this.pool.connection.address.replace(/:\d+$/, '');
    if (isLoopback(host)) {
      const err = new CloudtikError(
        'ERR_CLOUDTIK_CONFIG',
        `the host-pool service listens at ${this.pool.connection.address}, which the cluster's head (a host of the pool) cannot reach`,
        {
          hint: 'start it on an address the hosts reach (cloudtik simulator POOL.yaml --bind-address <address>), and set provider.cloud_simulator_address to it',
        },
      );
      return Promise.reject(err);
    }
    return Promise.resolve({ created: false });
  }

  /** The host is claimed for this pool first: a host another pool hands out too is refused, untouched. */
  protected override async claimHost(node: NodeInfo, runner: CommandRunner): Promise<void> {
    const address = this.pool.connection.address;
    const owner = `${this.workspaceName}/${this.clusterName}`;
    const r = await runner.run({ command: claimScript(address, owner), asRoot: true });
    if (r.exitCode === 3) {
      // Not this pool's to use: given back untouched (its services, if any, are the other cluster's).
      const cluster = { [TAG.cluster]: this.clusterName, [TAG.workspace]: this.workspaceName };
      await this.pool.book.giveBack([node.id], cluster, new Set());
      const [pool, holder] = r.stdout.trim().split(' ');
      throw new CloudtikError(
        'ERR_CLOUDTIK_CONFIG',
        `host ${node.id} is in two host pools: the pool at ${address} gave it to ${owner}, but cluster ${holder ?? '?'} of the pool at ${pool ?? '?'} holds it`,
        {
          hint: `list the host in one pool only: remove it from one pool's file and run cloudtik simulator --reload there`,
        },
      );
    }
    if (r.exitCode !== 0) throw failed(node, r.stderr + r.stdout, 'cannot claim host');
  }

  /** The cluster's state files, the pool's token and the SSH key reaching the workers. */
  async clusterStateFiles(_head: NodeInfo, stateDir: string): Promise<StateFile[]> {
    const files = await stateJsonFiles(stateDir);
    const key = this.pool.auth?.ssh_private_key;
    if (key) files.push({ name: HEAD_KEY_FILE, content: await fsp.readFile(key) });
    files.push({ name: HEAD_TOKEN_FILE, content: this.pool.connection.token });
    return files;
  }
}

function failed(node: NodeInfo, output: string, what: string): CloudtikError {
  return new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `${what} ${node.id}`, {
    details: tailLines(output, 10),
    hint: `the SSH user needs passwordless sudo on the hosts to write ${CLAIM_FILE}`,
  });
}
