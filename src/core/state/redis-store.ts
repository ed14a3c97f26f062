import type { RespValue } from './resp.js';
import { StoreConnection, type StoreConnectionOptions } from './store-connection.js';
import {
  MAX_EVENTS,
  SERVICES_RELEASE_KEY,
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
  release: SERVICES_RELEASE_KEY,
  value: (name: string) => `cloudtik:kv:${name}`,
} as const;

const str = (v: RespValue): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: RespValue): string[] => (Array.isArray(v) ? v.flatMap((x) => str(x) ?? []) : []);

/** The state store in the head's Redis. */
export class RedisStateStore implements StateStore {
  private constructor(private readonly conn: StoreConnection) {}

  static async connect(options: StoreConnectionOptions): Promise<RedisStateStore> {
    return new RedisStateStore(await StoreConnection.open(options));
  }

  private call(...args: (string | number)[]): Promise<RespValue> {
    return this.conn.call(...args);
  }

  private transaction(commands: (string | number)[][]): Promise<void> {
    return this.conn.transaction(commands);
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
    await this.conn.wake(KEY.wake);
  }

  async waitForWake(ms: number, signal?: AbortSignal): Promise<void> {
    await this.conn.waitForWake(KEY.wake, ms, signal);
  }

  /** Release the head's services held until the start that set the cluster up is done (see ServiceHold). */
  async releaseServices(): Promise<void> {
    await this.conn.wake(KEY.release);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}

function parseJson<T>(raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
