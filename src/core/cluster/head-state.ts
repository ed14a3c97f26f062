import type { ClusterConfig } from '../../config/types.js';
import type { NodeInfo } from '../../providers/provider.js';
import type { ControllerStatus } from '../state/store.js';
import { CloudtikError } from '../errors.js';
import { RedisStateStore } from '../state/redis-store.js';
import { readSecrets } from './bootstrap.js';
import { openCluster, type ClusterContext } from './context.js';

/**
 * Open the head's state store from the user's machine. On the virtual provider the host reaches
 * the head's address on the workspace bridge directly; the password is in the cluster's local
 * state folder. `connectTimeoutMs`: how long a connection may take (default 3 s).
 */
export async function openHeadStore(
  ctx: ClusterContext,
  head?: NodeInfo,
  options: { connectTimeoutMs?: number } = {},
): Promise<RedisStateStore> {
  return connectAt(await headStoreAddress(ctx, head), options.connectTimeoutMs);
}

const connectAt = (address: { host: string; password: string }, connectTimeoutMs = 3000): Promise<RedisStateStore> =>
  RedisStateStore.connect({ ...address, connectTimeoutMs });

/**
 * openHeadStore for a caller that tries again until the store answers (a wait beside the head's
 * start): with the head given, where its store answers and the password are found once (again
 * only after a failure to find them); else each attempt finds the running head again (it may be
 * replaced meanwhile).
 */
export function headStoreOpener(ctx: ClusterContext, head?: NodeInfo): () => Promise<RedisStateStore> {
  if (head === undefined) return () => openHeadStore(ctx);
  let address: Promise<{ host: string; password: string }> | undefined;
  return async () => {
    address ??= headStoreAddress(ctx, head).catch((err: unknown) => {
      address = undefined;
      throw err;
    });
    return connectAt(await address);
  };
}

/** Where the head's state store answers the user's machine, and its password. */
export async function headStoreAddress(
  ctx: ClusterContext,
  head?: NodeInfo,
): Promise<{ host: string; password: string }> {
  const h = head ?? (await ctx.provider.listNodes({ kind: 'head' })).find((n) => n.running);
  if (!h?.ip) {
    throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `cluster ${ctx.config.cluster_name} has no running head node`, {
      hint: `start it: cloudtik start <cluster.yaml>`,
    });
  }
  const secrets = await readSecrets(ctx.stateDir);
  if (!secrets) {
    throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `the secrets of cluster ${ctx.config.cluster_name} are missing`, {
      hint: `run cloudtik start <cluster.yaml> again to restore them (they are kept in ${ctx.stateDir})`,
    });
  }
  return { host: h.ip, password: secrets.redisPassword };
}

/** The controller's last published status, or why it could not be read (never throws). `head`: already listed. */
export async function readControllerStatus(
  config: ClusterConfig,
  head?: NodeInfo,
): Promise<{ status: ControllerStatus | undefined; error?: string }> {
  try {
    const ctx = await openCluster(config, { requireWorkspace: false });
    const store = await openHeadStore(ctx, head);
    try {
      const status = await store.status();
      return status ? { status } : { status: undefined, error: 'no status published yet (the controller is starting)' };
    } finally {
      await store.close();
    }
  } catch (err) {
    return { status: undefined, error: `cannot read it: ${err instanceof Error ? err.message : String(err)}` };
  }
}
