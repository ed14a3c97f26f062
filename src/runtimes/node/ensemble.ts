/**
 * Quorums of workers (a ZooKeeper ensemble, Kafka's KRaft controllers): which workers form one,
 * recorded in the head's state store so that every worker, and every worker that comes later,
 * sees the same members. The first workers of a new cluster wait until as many workers as the
 * quorum needs send heartbeats, then take the lowest sequence numbers (every one of them decides
 * the same); a worker that comes later finds the record and joins what is there, replacing
 * members whose nodes are gone.
 */
import { systemClock, type Clock } from '../../core/clock.js';
import { CloudtikError } from '../../core/errors.js';
import type { NodeHeartbeat, StateStore } from '../../core/state/store.js';
import type { RuntimeNodeContext } from './context.js';

export interface Member {
  seq: number;
  ip: string;
}

/** A heartbeat older than this says its node is gone (the agents beat every second). */
export const LIVE_HEARTBEAT_MS = 10_000;

/** Workers whose agents beat lately, by sequence number. Pure. */
export function liveWorkers(beats: readonly NodeHeartbeat[], now: number, maxAgeMs = LIVE_HEARTBEAT_MS): Member[] {
  return beats
    .filter((b) => b.kind === 'worker' && b.seqId > 0 && b.ip !== '' && now - b.time <= maxAgeMs)
    .map((b) => ({ seq: b.seqId, ip: b.ip }))
    .sort((a, b) => a.seq - b.seq);
}

/** What a worker does about a quorum, given the record, the live workers and the wanted size. */
export type QuorumRole =
  /** Not enough workers yet: look again. */
  | { kind: 'wait'; live: number; size: number }
  /** No record: these members form it (this worker among them); record them. */
  | { kind: 'found'; members: Member[] }
  /** The record lists this worker: it is a member (a restart, or a quorum it founded). */
  | { kind: 'member'; members: Member[] }
  /** The record does not list it: join `members`, replacing the members in `gone`. */
  | { kind: 'join'; members: Member[]; gone: Member[] };

/**
 * Decide a worker's part in a quorum of `size` members. Pure.
 * - With no record, the `size` live workers with the lowest sequence numbers found it, once that
 *   many are live; a live worker beyond them waits for the record and then joins.
 * - A member is listed with its address: a new node that reuses a sequence number joins anew.
 */
export function quorumRole(
  record: readonly Member[] | undefined,
  self: Member,
  live: readonly Member[],
  size: number,
): QuorumRole {
  const same = (m: Member): boolean => m.seq === self.seq && m.ip === self.ip;
  if (record && record.length > 0) {
    if (record.some(same)) return { kind: 'member', members: [...record] };
    const alive = new Set(live.map((m) => `${m.seq}@${m.ip}`));
    const gone = record.filter((m) => !alive.has(`${m.seq}@${m.ip}`));
    return { kind: 'join', members: [...record], gone };
  }
  const everyone = live.some(same) ? [...live] : [...live, self].sort((a, b) => a.seq - b.seq);
  if (everyone.length < size) return { kind: 'wait', live: everyone.length, size };
  const founders = everyone.slice(0, size);
  if (!founders.some(same)) return { kind: 'wait', live: everyone.length, size };
  return { kind: 'found', members: founders };
}

/** `[{seq, ip}, ...]` from the store, or undefined for none or a value that is not one. Pure. */
export function parseMembers(text: string | undefined): Member[] | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return undefined;
    const ok = v.every(
      (m: unknown) =>
        typeof m === 'object' &&
        m !== null &&
        Number.isInteger((m as Member).seq) &&
        typeof (m as Member).ip === 'string',
    );
    return ok ? (v as Member[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The head's state store, from a runtime command on any node. */
export async function openStateStore(ctx: RuntimeNodeContext): Promise<StateStore> {
  const { RedisStateStore } = await import('../../core/state/redis-store.js');
  const { redisPassword } = await import('../../node/manage.js');
  const host = ctx.head ? '127.0.0.1' : ctx.headIp;
  return RedisStateStore.connect({ host, password: await redisPassword(), connectTimeoutMs: 5000 });
}

export interface QuorumOptions {
  /** The state store key of the record (for example `zookeeper.ensemble`). */
  key: string;
  size: number;
  /** What waits, for the error (for example `the ZooKeeper ensemble`). */
  what: string;
  timeoutMs?: number;
  clock?: Clock;
}

/** This worker's role in a quorum, waiting while too few workers are live; a founder records the members. */
export async function settleQuorum(
  store: StateStore,
  self: Member,
  options: QuorumOptions,
): Promise<Exclude<QuorumRole, { kind: 'wait' }>> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + (options.timeoutMs ?? 600_000);
  for (;;) {
    const record = parseMembers(await store.getValue(options.key));
    const live = liveWorkers(await store.heartbeats(), clock.now());
    const role = quorumRole(record, self, live, options.size);
    if (role.kind === 'found') await store.setValue(options.key, JSON.stringify(role.members));
    if (role.kind !== 'wait') return role;
    if (clock.now() > deadline) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_NODE_COMMAND',
        `worker ${self.ip}: ${options.what} needs ${role.size} live workers; ${role.live} sent heartbeats`,
        { hint: "see the workers with 'cloudtik status'; the quorum size follows the worker types' min_workers" },
      );
    }
    await clock.sleep(500);
  }
}
