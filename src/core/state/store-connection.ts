/**
 * One client of the head's Redis, as the state store and the job store use it: calls and
 * transactions on one connection, a wake-up list (one side pushes, the other blocks on it) on a
 * second connection made on first use, and, for daemons, the connection opened again after it
 * dropped (a restart of the store must not leave a daemon failing every pass).
 */
import { NODE_RUNTIME_DIR } from '../../config/env.js';
import { waitFor } from '../deadline.js';
import { CloudtikError } from '../errors.js';
import { CALL_TIMEOUT_MS, RespConnection, type RespOptions, type RespValue } from './resp.js';
import { STATE_PORT, WAKE_TTL_S } from './store.js';

export interface StoreConnectionOptions {
  host: string;
  port?: number;
  password: string;
  /** ms to wait for a connection. */
  connectTimeoutMs?: number;
  /**
   * Daemons: wait for the store at first (retrying with back-off) and open the connection again
   * when it drops; clients fail fast instead.
   */
  reconnect?: boolean;
  /**
   * With `reconnect`: how long to wait for the store at first (default {@link STORE_PATIENCE_MS});
   * then the daemon fails, and its supervisor starts it again.
   */
  patienceMs?: number;
}

/** How long a daemon waits for the state store at its start before it gives up. */
export const STORE_PATIENCE_MS = 5 * 60_000;

export class StoreConnection {
  /** A second connection for blocking waits, made on first use. */
  private blocking: RespConnection | undefined;
  private reopening: Promise<RespConnection> | undefined;

  private constructor(
    private conn: RespConnection,
    private readonly options: RespOptions & { reconnect: boolean },
  ) {}

  static async open(options: StoreConnectionOptions): Promise<StoreConnection> {
    const o = {
      host: options.host,
      port: options.port ?? STATE_PORT,
      password: options.password,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      reconnect: options.reconnect ?? false,
    };
    try {
      const conn = o.reconnect
        ? await openPatiently(o, options.patienceMs ?? STORE_PATIENCE_MS)
        : await RespConnection.open(o);
      return new StoreConnection(conn, o);
    } catch (err) {
      throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `cannot reach the cluster's state store at ${o.host}:${o.port}`, {
        cause: err,
        details: [err instanceof Error ? err.message : String(err)],
        hint: 'is the head node up? `cloudtik status <cluster.yaml>` shows it; `cloudtik start` brings it back',
      });
    }
  }

  /** The open connection; a daemon's is opened again (one try) after it dropped. */
  private async c(): Promise<RespConnection> {
    if (this.conn.isOpen || !this.options.reconnect) return this.conn;
    this.reopening ??= RespConnection.open(this.options).finally(() => (this.reopening = undefined));
    this.conn = await this.reopening;
    return this.conn;
  }

  async call(...args: (string | number)[]): Promise<RespValue> {
    return (await this.c()).call(...args);
  }

  async transaction(commands: (string | number)[][]): Promise<void> {
    await (await this.c()).transaction(commands);
  }

  /** Wake whoever waits on list `key` (see {@link waitForWake}). */
  async wake(key: string): Promise<void> {
    await this.transaction([
      ['RPUSH', key, '1'],
      ['EXPIRE', key, WAKE_TTL_S],
    ]);
  }

  /**
   * Resolve after `ms`, or as soon as someone wakes list `key`; one wake-up empties the list, so
   * a burst of them counts once. A failed wait (the store away) still takes `ms`, so a daemon's
   * loop does not spin.
   */
  async waitForWake(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    const onAbort = (): void => this.blocking?.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (!this.blocking?.isOpen) this.blocking = await RespConnection.open(this.options);
      if (signal?.aborted) return; // stopped while the connection opened
      // BLPOP takes seconds (fractions allowed).
      const block = Math.max(10, ms);
      const hit = await this.blocking.callWithin(block + CALL_TIMEOUT_MS, 'BLPOP', key, (block / 1000).toFixed(3));
      if (hit !== null) await this.call('DEL', key);
    } catch {
      if (!signal?.aborted) await new Promise((r) => setTimeout(r, ms));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.blocking?.quit(), this.conn.quit()]);
  }
}

/**
 * Open a connection, trying again until the store answers or `ms` pass: every 50 ms in the first
 * second (a new cluster's workers start their agents beside the head's start of the store, and
 * their first heartbeat is what makes them join), then with back-off (0.1 s doubling to 2 s).
 */
async function openPatiently(o: RespOptions, ms: number): Promise<RespConnection> {
  let attempt = 0;
  return waitFor(() => RespConnection.open(o), {
    what: `the cluster's state store at ${o.host}:${o.port} (on the head) to answer`,
    ms,
    pauseMs: (waited) => (waited < 1000 ? 50 : Math.min(100 * 2 ** attempt++, 2000)),
    retryErrors: true,
    hint: `check that the head runs its state store: cloudtik node start --state --head, on the head (its log: ~/${NODE_RUNTIME_DIR}/logs/state.log)`,
  });
}
