/**
 * Waiting on the head's view: workers count as joined when they are up-to-date, run the current
 * launch config and their agent's heartbeat is fresh. Progress is emitted as node events, and
 * what the controller reports (failed launches, types it gave up on) is surfaced while waiting.
 */
import { env } from '../../config/env.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { systemClock, type Clock } from '../clock.js';
import { CloudtikError } from '../errors.js';
import { logEvent, type EventSink, type NodePhase } from '../events.js';
import { formatDuration } from '../scaler/format.js';
import type { NodeHeartbeat, StateStore } from '../state/store.js';
import { readBootstrap } from './bootstrap.js';
import type { ClusterContext } from './context.js';
import { openHeadStore } from './head-state.js';

export interface WaitOptions {
  /** Joined workers wanted per type; default: each type's min_workers. */
  targets?: Record<string, number>;
  /** Total joined workers wanted, of any type (instead of `targets`). */
  total?: number;
  timeoutMs: number;
  sink: EventSink;
  signal?: AbortSignal;
  clock?: Clock;
}

const PHASE_OF: Record<string, NodePhase> = {
  uninitialized: 'creating',
  'waiting-for-ssh': 'waiting-for-ssh',
  'syncing-files': 'syncing-files',
  'setting-up': 'setting-up',
};

export async function waitForWorkers(ctx: ClusterContext, options: WaitOptions): Promise<NodeInfo[]> {
  const clock = options.clock ?? systemClock;
  const { sink } = options;
  const t0 = clock.now();
  const deadline = t0 + options.timeoutMs;
  const targets =
    options.targets ??
    Object.fromEntries(
      Object.entries(ctx.config.available_node_types)
        .filter(([name]) => name !== ctx.config.head_node_type)
        .map(([name, t]) => [name, t.min_workers]),
    );
  const { bootstrap } = await readBootstrap(ctx.stateDir);
  const seen = new Map<string, string>();
  const reported = new Set<string>();
  let store: StateStore | undefined;
  const heartbeatTimeout = env.heartbeatTimeoutMs();
  try {
    for (;;) {
      if (options.signal?.aborted) throw new CloudtikError('ERR_CLOUDTIK_INTERRUPTED', 'interrupted');
      store ??= await openHeadStore(ctx).catch(() => undefined);
      const [workers, beats, status, events] = await Promise.all([
        ctx.provider.listNodes({ kind: 'worker' }),
        store?.heartbeats().catch(() => [] as NodeHeartbeat[]) ?? [],
        store?.status().catch(() => undefined),
        store?.events(50).catch(() => []) ?? [],
      ]);
      const now = clock.now();
      const beatOf = new Map(beats.map((b) => [b.nodeId, b]));
      const joined = workers.filter((w) => {
        const hb = beatOf.get(w.id);
        return (
          w.running &&
          w.tags[TAG.nodeStatus] === 'up-to-date' &&
          w.tags[TAG.launchConfig] === bootstrap.launchHashes[w.nodeType] &&
          hb !== undefined &&
          now - hb.time < heartbeatTimeout
        );
      });
      for (const w of workers) {
        const state = joined.includes(w) ? 'joined' : (w.tags[TAG.nodeStatus] ?? 'uninitialized');
        if (seen.get(w.id) === state) continue;
        seen.set(w.id, state);
        if (state === 'joined')
          sink({
            type: 'node-status',
            node: w.id,
            kind: 'worker',
            status: 'up-to-date',
            ms: now - Math.max(t0, w.createdAt),
          });
        else if (PHASE_OF[state])
          sink({ type: 'node-phase', node: w.id, kind: 'worker', phase: PHASE_OF[state], state: 'start' });
      }
      for (const e of events) {
        const key = `${e.time}:${e.message}`;
        if (e.time < t0 || reported.has(key)) continue;
        reported.add(key);
        if (e.kind === 'launch-failed' || e.kind === 'update-failed') logEvent(sink, 'warn', `head: ${e.message}`);
      }
      const short: string[] = [];
      let done: boolean;
      if (options.total !== undefined) {
        done = joined.length >= options.total;
        if (!done) short.push(`${joined.length} of ${options.total} workers joined`);
      } else {
        for (const [type, want] of Object.entries(targets)) {
          const have = joined.filter((w) => w.nodeType === type).length;
          if (have < want) short.push(`${type}: ${have} of ${want} joined`);
        }
        done = short.length === 0;
      }
      if (done) return joined;
      const gaveUp = Object.entries(status?.blocked ?? {}).filter(
        ([type, why]) =>
          (why.startsWith('gave up') || why.startsWith('out of capacity')) &&
          (options.total !== undefined || (targets[type] ?? 0) > 0),
      );
      if (gaveUp.length > 0) {
        throw new CloudtikError(
          'ERR_CLOUDTIK_CLUSTER',
          `the head cannot bring up the workers: ${gaveUp.map(([type, why]) => `${type} ${why}`).join('; ')}`,
          { details: short, hint: 'see cloudtik events <cluster.yaml> for every attempt' },
        );
      }
      if (now > deadline) {
        throw new CloudtikError(
          'ERR_CLOUDTIK_TIMEOUT',
          `workers did not join within ${formatDuration(options.timeoutMs)}: ${short.join(', ')}`,
          {
            details: status?.messages ?? ['the head published no controller status: is its controller running?'],
            hint: 'see cloudtik status <cluster.yaml> and cloudtik events <cluster.yaml>; cloudtik monitor shows the controller log',
          },
        );
      }
      await clock.sleep(250, options.signal);
    }
  } finally {
    await store?.close();
  }
}
