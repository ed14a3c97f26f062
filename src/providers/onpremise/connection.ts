/**
 * How a cluster reaches its host-pool service: the address (`provider.cloud_simulator_address`,
 * else the service running on this machine) and the token (`CLOUDTIK_SIMULATOR_TOKEN`, else the
 * copy `start` put in the cluster's state folder on the head, else the service's own token file).
 */
import path from 'node:path';
import type { ProviderConfig } from '../../config/types.js';
import { CloudtikError } from '../../core/errors.js';
import { clientToken, findPoolService, PoolClient, splitAddress } from './client.js';
import { poolFiles } from './paths.js';

/** The token's copy in a cluster's state folder on its head. */
export const HEAD_TOKEN_FILE = 'pool-token';

export interface PoolConnection {
  address: string;
  token: string;
}

/** `host` or `host:port` (CloudTik's form) as `host:port`. */
export function withPort(address: string): string {
  const { host, port } = splitAddress(address);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function tokenFor(address: string, stateDir: string | undefined): Promise<string> {
  const token = await clientToken(stateDir === undefined ? undefined : path.join(stateDir, HEAD_TOKEN_FILE));
  if (token) return token;
  throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `no token for the host-pool service at ${address}`, {
    hint: `the service writes it at its first start to ${poolFiles.token()} on its machine; copy that file here, or set CLOUDTIK_SIMULATOR_TOKEN`,
  });
}

/** The pool's address and token for a cluster or workspace config (its `provider` section). */
export async function poolConnection(section: ProviderConfig | undefined, stateDir?: string): Promise<PoolConnection> {
  const configured = section?.cloud_simulator_address;
  if (typeof configured === 'string' && configured.trim() !== '') {
    const address = withPort(configured);
    return { address, token: await tokenFor(address, stateDir) };
  }
  const found = await findPoolService();
  if (!found) {
    throw new CloudtikError('ERR_CLOUDTIK_CONFIG', 'no host-pool service is known for this onpremise cluster', {
      hint: 'set provider.cloud_simulator_address (host:port), or start the service on this machine: cloudtik simulator POOL.yaml',
    });
  }
  return found;
}

export async function poolClient(section: ProviderConfig | undefined, stateDir?: string): Promise<PoolClient> {
  const c = await poolConnection(section, stateDir);
  return new PoolClient(c.address, c.token);
}
