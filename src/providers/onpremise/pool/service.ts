/**
 * What `cloudtik simulator` uses (loaded through the provider registry): the service itself, and
 * the client that reaches the running one (`--reload`, `--shutdown`, `status`).
 */
import fsp from 'node:fs/promises';
import { waitUpTo } from '../../../core/deadline.js';
import { CloudtikError } from '../../../core/errors.js';
import { clientToken, findPoolService, PoolClient, reachableAddress, readProcessFile } from '../client.js';
import { poolFiles } from '../paths.js';
import { DEFAULT_POOL_PORT, type PoolStatus } from '../protocol.js';
import { DEFAULT_BIND_ADDRESS } from './server.js';

export { DEFAULT_BIND_ADDRESS, startPoolServer, type RunningPool } from './server.js';
export { DEFAULT_POOL_PORT } from '../protocol.js';
export { poolFiles } from '../paths.js';

/**
 * A client of the running service: at `bindAddress`/`port` when either is given, else the one
 * this machine's process file names.
 */
export async function runningPool(explicit: { bindAddress?: string; port?: number }): Promise<PoolClient> {
  if (explicit.bindAddress !== undefined || explicit.port !== undefined) {
    const address = reachableAddress(explicit.bindAddress ?? DEFAULT_BIND_ADDRESS, explicit.port ?? DEFAULT_POOL_PORT);
    const token = await clientToken();
    if (token === undefined) {
      throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `no token for the host-pool service at ${address}`, {
        hint: `set CLOUDTIK_SIMULATOR_TOKEN to the content of ${poolFiles.token()} on the service's machine`,
      });
    }
    return new PoolClient(address, token);
  }
  const found = await findPoolService();
  if (!found) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_CLUSTER',
      `no host-pool service runs on this machine (no live one in ${poolFiles.process()})`,
      { hint: 'start one: cloudtik simulator POOL.yaml; or name one elsewhere with --bind-address and --port' },
    );
  }
  return new PoolClient(found.address, found.token);
}

/** The pool as the running service sees it. */
export function poolStatus(client: PoolClient): Promise<PoolStatus> {
  return client.call('status');
}

/** Waits (at most `ms`) until this machine's service has removed its process file; whether it did. */
export async function waitStopped(ms = 10_000): Promise<boolean> {
  const file = poolFiles.process();
  return waitUpTo(
    async () => {
      const gone = await fsp.access(file).then(
        () => false,
        () => true,
      );
      return gone || (await readProcessFile()) === undefined;
    },
    { what: `the host-pool service to remove ${file}`, ms, pauseMs: 50 },
  );
}
