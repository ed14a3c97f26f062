import { createClient } from '@redis/client';
import { CloudtikError } from '../errors.js';
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
  /** ms to wait for the first connection. */
  connectTimeoutMs?: number;
  /** Keep reconnecting after the connection drops (daemons); clients fail fast instead. */
  reconnect?: boolean;
}

function makeClient(options: RedisStoreOptions) {
  return createClient({
    socket: {
      host: options.host,
      port: options.port ?? STATE_PORT,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      reconnectStrategy: options.reconnect ? (retries: number) => Math.min(100 * 2 ** retries, 2000) : false,
    },
    password: options.password,
  });
}

type Client = ReturnType<typeof makeClient>;

/** The state store in the head's Redis. */
export class RedisStateStore implements StateStore {
  /** A second connection for blocking waits, made on first use. */
  private blocking: Client | undefined;

  private constructor(private readonly client: Client) {}

  static async connect(options: RedisStoreOptions): Promise<RedisStateStore> {
    const port = options.port ?? STATE_PORT;
    const client = makeClient(options);
    // Errors surface through the failing command; without a listener node-redis would crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      client.destroy();
      throw new CloudtikError(
        'ERR_CLOUDTIK_CLUSTER',
        `cannot reach the cluster's state store at ${options.host}:${port}`,
        {
          cause: err,
          details: [err instanceof Error ? err.message : String(err)],
          hint: 'is the head node up? `cloudtik status <cluster.yaml>` shows it; `cloudtik start` brings it back',
        },
      );
    }
    return new RedisStateStore(client);
  }

  async putHeartbeat(hb: NodeHeartbeat): Promise<void> {
    await this.client.hSet(KEY.nodes, hb.nodeId, JSON.stringify(hb));
  }

  async heartbeats(): Promise<NodeHeartbeat[]> {
    const all = await this.client.hGetAll(KEY.nodes);
    return Object.values(all).flatMap((raw) => parseJson<NodeHeartbeat>(raw) ?? []);
  }

  async removeHeartbeats(nodeIds: string[]): Promise<void> {
    if (nodeIds.length > 0) await this.client.hDel(KEY.nodes, nodeIds);
  }

  async requests(): Promise<StoredRequest[]> {
    return parseJson<StoredRequest[]>(await this.client.get(KEY.requests)) ?? [];
  }

  async setRequests(requests: StoredRequest[]): Promise<void> {
    await this.client.set(KEY.requests, JSON.stringify(requests));
  }

  async addEvents(events: ClusterEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.client
      .multi()
      .rPush(
        KEY.events,
        events.map((e) => JSON.stringify(e)),
      )
      .lTrim(KEY.events, -MAX_EVENTS, -1)
      .exec();
  }

  async events(limit: number): Promise<ClusterEvent[]> {
    const raw = await this.client.lRange(KEY.events, -Math.max(1, limit), -1);
    return raw.flatMap((r) => parseJson<ClusterEvent>(r) ?? []);
  }

  async setStatus(status: ControllerStatus): Promise<void> {
    await this.client.set(KEY.status, JSON.stringify(status));
  }

  async status(): Promise<ControllerStatus | undefined> {
    return parseJson<ControllerStatus>(await this.client.get(KEY.status));
  }

  async setValue(key: string, value: string): Promise<void> {
    await this.client.set(KEY.value(key), value);
  }

  async getValue(key: string): Promise<string | undefined> {
    return (await this.client.get(KEY.value(key))) ?? undefined;
  }

  async wake(): Promise<void> {
    await this.client.multi().rPush(KEY.wake, '1').expire(KEY.wake, 10).exec();
  }

  async waitForWake(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    if (!this.blocking) {
      this.blocking = this.client.duplicate();
      this.blocking.on('error', () => undefined);
      await this.blocking.connect();
    }
    const blocking = this.blocking;
    const onAbort = (): void => blocking.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // BLPOP takes seconds (fractions allowed); one wake-up empties the list so a burst counts once.
      const hit = await blocking.blPop(KEY.wake, Math.max(0.01, ms / 1000));
      if (hit) await this.client.del(KEY.wake);
    } catch {
      if (!signal?.aborted) await new Promise((r) => setTimeout(r, ms));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    for (const c of [this.blocking, this.client]) {
      if (!c) continue;
      try {
        if (c.isOpen) await c.close();
      } catch {
        c.destroy();
      }
    }
  }
}

function parseJson<T>(raw: string | null | undefined): T | undefined {
  if (raw === null || raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
