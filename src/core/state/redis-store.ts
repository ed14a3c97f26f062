import { NODE_RUNTIME_DIR } from '../../config/env.js';
import { waitFor } from '../deadline.js';
import { CloudtikError } from '../errors.js';
import { CALL_TIMEOUT_MS, RespConnection, type RespOptions, type RespValue } from './resp.js';
import {
  MAX_EVENTS,
  STATE_PORT,
  type ClusterEvent,
  type ControllerStatus,
  type NodeHeartbeat,
  type StateStore,
  type StoredRequest,
} from './store.js';

/** Key names on the head's Redis; one prefix so they never collide with what runtimes keep there. */
const KEY = {
  nodes: 'cloudtik:node_table',
  requests: 'cloudtik:cluster_requests',
  events: 'cloudtik:events',
  status: 'cloudtik:cluster_status',
  wake: 'cloudtik:wake',
  value: (name: string) => `cloudtik:kv:${name}`,
} as const;

export interface RedisStoreOptions {
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

const str = (v: RespValue): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: RespValue): string[] => (Array.isArray(v) ? v.flatMap((x) => str(x) ?? []) : []);

/** The state store in the head's Redis. */
export class RedisStateStore implements StateStore {
  /** A second connection for blocking waits, made on first use. */
  private blocking: RespConnection | undefined;
  private reopening: Promise<RespConnection> | undefined;

  private constructor(
    private conn: RespConnection,
    private readonly options: RespOptions & { reconnect: boolean },
  ) {}

  static async connect(options: RedisStoreOptions): Promise<RedisStateStore> {
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
      return new RedisStateStore(conn, o);
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

  private async call(...args: (string | number)[]): Promise<RespValue> {
    return (await this.c()).call(...args);
  }

  private async transaction(commands: (string | number)[][]): Promise<void> {
    await (await this.c()).transaction(commands);
  }

  async putHeartbeat(hb: NodeHeartbeat): Promise<void> {
    await this.call('HSET', KEY.nodes, hb.nodeId, JSON.stringify(hb));
  }

  async heartbeats(): Promise<NodeHeartbeat[]> {
    // HGETALL answers field, value, field, value...
    const flat = strings(await this.call('HGETALL', KEY.nodes));
    return flat.filter((_, i) => i % 2 === 1).flatMap((raw) => parseJson<NodeHeartbeat>(raw) ?? []);
  }

  async removeHeartbeats(nodeIds: string[]): Promise<void> {
    if (nodeIds.length > 0) await this.call('HDEL', KEY.nodes, ...nodeIds);
  }

  async requests(): Promise<StoredRequest[]> {
    return parseJson<StoredRequest[]>(str(await this.call('GET', KEY.requests))) ?? [];
  }

  async setRequests(requests: StoredRequest[]): Promise<void> {
    await this.call('SET', KEY.requests, JSON.stringify(requests));
  }

  async addEvents(events: ClusterEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.transaction([
      ['RPUSH', KEY.events, ...events.map((e) => JSON.stringify(e))],
      ['LTRIM', KEY.events, -MAX_EVENTS, -1],
    ]);
  }

  async events(limit: number): Promise<ClusterEvent[]> {
    const raw = strings(await this.call('LRANGE', KEY.events, -Math.max(1, limit), -1));
    return raw.flatMap((r) => parseJson<ClusterEvent>(r) ?? []);
  }

  async setStatus(status: ControllerStatus): Promise<void> {
    await this.call('SET', KEY.status, JSON.stringify(status));
  }

  async status(): Promise<ControllerStatus | undefined> {
    return parseJson<ControllerStatus>(str(await this.call('GET', KEY.status)));
  }

  async setValue(key: string, value: string): Promise<void> {
    await this.call('SET', KEY.value(key), value);
  }

  async getValue(key: string): Promise<string | undefined> {
    return str(await this.call('GET', KEY.value(key)));
  }

  async wake(): Promise<void> {
    await this.transaction([
      ['RPUSH', KEY.wake, '1'],
      ['EXPIRE', KEY.wake, 10],
    ]);
  }

  async waitForWake(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    const onAbort = (): void => this.blocking?.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (!this.blocking?.isOpen) this.blocking = await RespConnection.open(this.options);
      if (signal?.aborted) return; // stopped while the connection opened
      // BLPOP takes seconds (fractions allowed); one wake-up empties the list so a burst counts once.
      const block = Math.max(10, ms);
      const hit = await this.blocking.callWithin(block + CALL_TIMEOUT_MS, 'BLPOP', KEY.wake, (block / 1000).toFixed(3));
      if (hit !== null) await this.call('DEL', KEY.wake);
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

/** Open a connection, trying again with back-off (0.1 s doubling to 2 s) until the store answers or `ms` pass. */
async function openPatiently(o: RespOptions, ms: number): Promise<RespConnection> {
  let attempt = 0;
  return waitFor(() => RespConnection.open(o), {
    what: `the cluster's state store at ${o.host}:${o.port} (on the head) to answer`,
    ms,
    pauseMs: () => Math.min(100 * 2 ** attempt++, 2000),
    retryErrors: true,
    hint: `check that the head runs its state store: cloudtik node start --state --head, on the head (its log: ~/${NODE_RUNTIME_DIR}/logs/state.log)`,
  });
}

function parseJson<T>(raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
