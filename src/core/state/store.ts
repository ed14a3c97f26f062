/**
 * The cluster's state store: a small set of tables and keys on the head that the node agents,
 * the controller and the user's CLI share. One implementation talks to Redis (redis-store.ts);
 * the interface lets the controller be driven by an in-memory store in unit tests and benchmarks.
 */
import type { ResourceBundle } from '../scaler/types.js';

/** Port of the head's state store (CloudTik's). */
export const STATE_PORT = 6789;

/** A wake-up list lives this long after its last push, so a wake nobody waited for does not linger. */
export const WAKE_TTL_S = 10;

/** What a node agent reports about its node every second. */
export interface NodeHeartbeat {
  nodeId: string;
  ip: string;
  kind: string;
  nodeType: string;
  seqId: number;
  /** ms since the epoch, the agent's clock. */
  time: number;
  /** Cores the node may use (its CPU limit). */
  cpus: number;
  /** Share of those cores used over the last interval, 0..1. */
  cpuUtilization: number;
  memoryTotal: number;
  memoryUsed: number;
  /** The agent's own view: CPU use over the in-use threshold. */
  inUse: boolean;
}

/** A scale request as kept on the head; a newer request replaces older ones naming the same resources. */
export interface StoredRequest {
  time: number;
  bundles: ResourceBundle[];
  /** The command line that made it, for `status`. */
  origin?: string;
}

export type ClusterEventKind =
  | 'launch'
  | 'launch-failed'
  | 'terminate'
  | 'update'
  | 'update-failed'
  | 'recover'
  | 'resume'
  | 'request'
  | 'controller'
  | 'warning';

/** Something the controller did or saw, with why. */
export interface ClusterEvent {
  time: number;
  kind: ClusterEventKind;
  nodeType?: string;
  nodeIds?: string[];
  count?: number;
  reason: string;
  message: string;
}

/** One worker in the controller's status. */
export interface StatusNode {
  id: string;
  ip: string | undefined;
  nodeType: string;
  status: string;
  /** ms since its last heartbeat, undefined if it never sent one. */
  heartbeatAgeMs: number | undefined;
  inUse: boolean;
  /** Why the controller is acting on it now, if it is. */
  action?: string;
}

/** What the controller publishes after each pass. */
export interface ControllerStatus {
  time: number;
  pid: number;
  pass: number;
  /** ms the last pass took. */
  passMs: number;
  headIp: string;
  workers: StatusNode[];
  /** Launches in flight by node type. */
  pending: Record<string, number>;
  /** Worker types that cannot launch now, with why (backoff after failures). */
  blocked: Record<string, string>;
  /** min_workers per type and how many up-to-date workers it has. */
  targets: Record<string, { min: number; max: number; upToDate: number; total: number }>;
  requests: StoredRequest[];
  messages: string[];
}

export interface StateStore {
  putHeartbeat(hb: NodeHeartbeat): Promise<void>;
  heartbeats(): Promise<NodeHeartbeat[]>;
  removeHeartbeats(nodeIds: string[]): Promise<void>;
  requests(): Promise<StoredRequest[]>;
  setRequests(requests: StoredRequest[]): Promise<void>;
  addEvents(events: ClusterEvent[]): Promise<void>;
  /** Newest last. */
  events(limit: number): Promise<ClusterEvent[]>;
  setStatus(status: ControllerStatus): Promise<void>;
  status(): Promise<ControllerStatus | undefined>;
  /** Plain values other parts publish (runtime config for workers, ...). */
  setValue(key: string, value: string): Promise<void>;
  getValue(key: string): Promise<string | undefined>;
  /** Ask the controller for a pass now (after a scale request). */
  wake(): Promise<void>;
  /** Resolve after `ms`, or as soon as someone calls {@link wake}. */
  waitForWake(ms: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * The list on the head's store that a new cluster's start releases the head's services on once
 * its workers joined (RedisStateStore.releaseServices); their supervisors wait on it
 * (ServiceHold in src/node/services.ts).
 */
export const SERVICES_RELEASE_KEY = 'cloudtik:start:release';

/** Events kept on the head; older ones are dropped. */
export const MAX_EVENTS = 2000;

/** A store in memory, for unit tests and benchmarks of the controller. */
export class MemoryStateStore implements StateStore {
  private readonly beats = new Map<string, NodeHeartbeat>();
  private reqs: StoredRequest[] = [];
  private readonly evs: ClusterEvent[] = [];
  private st: ControllerStatus | undefined;
  private readonly values = new Map<string, string>();

  putHeartbeat(hb: NodeHeartbeat): Promise<void> {
    this.beats.set(hb.nodeId, hb);
    return Promise.resolve();
  }
  heartbeats(): Promise<NodeHeartbeat[]> {
    return Promise.resolve([...this.beats.values()]);
  }
  removeHeartbeats(nodeIds: string[]): Promise<void> {
    for (const id of nodeIds) this.beats.delete(id);
    return Promise.resolve();
  }
  requests(): Promise<StoredRequest[]> {
    return Promise.resolve(this.reqs);
  }
  setRequests(requests: StoredRequest[]): Promise<void> {
    this.reqs = requests;
    return Promise.resolve();
  }
  addEvents(events: ClusterEvent[]): Promise<void> {
    this.evs.push(...events);
    if (this.evs.length > MAX_EVENTS) this.evs.splice(0, this.evs.length - MAX_EVENTS);
    return Promise.resolve();
  }
  events(limit: number): Promise<ClusterEvent[]> {
    return Promise.resolve(this.evs.slice(-limit));
  }
  setStatus(status: ControllerStatus): Promise<void> {
    this.st = status;
    return Promise.resolve();
  }
  status(): Promise<ControllerStatus | undefined> {
    return Promise.resolve(this.st);
  }
  setValue(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
  getValue(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(key));
  }
  private wakers: (() => void)[] = [];
  wake(): Promise<void> {
    for (const w of this.wakers.splice(0)) w();
    return Promise.resolve();
  }
  waitForWake(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.wakers.push(done);
    });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
