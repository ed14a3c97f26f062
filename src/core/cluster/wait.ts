/**
 * Waiting on the head's view: workers count as joined when they are up-to-date, run the current
 * launch config and their agent's heartbeat is fresh. Progress is emitted as node events, and
 * what the controller reports (failed launches, types it gave up on) is surfaced while waiting.
 */
import { env } from '../../config/env.js';
import type { NodeInfo } from '../../providers/provider.js';
import { systemClock, type Clock } from '../clock.js';
import { waitFor } from '../deadline.js';
import { CloudtikError } from '../errors.js';
import { logEvent, type EventSink } from '../events.js';
import { formatDuration } from '../scaler/format.js';
import type { ClusterEvent, NodeHeartbeat, StateStore } from '../state/store.js';
import {
  hopelessTypes,
  joinedWorkers,
  minWorkerTargets,
  PHASE_OF,
  shortfall,
  surplusWorkers,
  waitState,
} from '../wait-progress/progress.js';
import { readBootstrap } from './bootstrap.js';
import type { ClusterContext } from './context.js';
import { headStoreOpener } from './head-state.js';

export interface WaitOptions {
  /** Joined workers wanted per type; default: each type's min_workers. */
  targets?: Record<string, number>;
  /** Total joined workers wanted, of any type (instead of `targets`). */
  total?: number;
  timeoutMs: number;
  /** Also wait until no type has more workers than it may (start: the controller retires them). */
  noSurplus?: boolean;
  sink: EventSink;
  signal?: AbortSignal;
  clock?: Clock;
  /** The head, when known: its store is opened without listing the nodes first. */
  head?: NodeInfo;
}

/**
 * Wait until the workers asked for have joined (see src/core/wait-progress for what counts), with
 * their progress as node events and the head's failed launches and updates as warnings. Fails
 * early when the head gave up on a type the wait needs, else at the deadline.
 */
export async function waitForWorkers(ctx: ClusterContext, options: WaitOptions): Promise<NodeInfo[]> {
  const clock = options.clock ?? systemClock;
  const t0 = clock.now();
  const want = { total: options.total, targets: options.targets ?? minWorkerTargets(ctx.config) };
  const { bootstrap } = await readBootstrap(ctx.stateDir);
  const seen = new Map<string, string>();
  const reported = new Set<string>();
  let store: StateStore | undefined;
  const openStore = headStoreOpener(ctx, options.head);
  const heartbeatTimeoutMs = env.heartbeatTimeoutMs();
  let last: { short: string[]; messages?: string[] } = { short: [] };
  // Where the provider follows its nodes, a look is a few reads of the head's store: a short pause.
  const view = await ctx.provider.followNodes?.().catch(() => undefined);
  try {
    return await waitFor(
      async () => {
        store ??= await openStore().catch(() => undefined);
        const [workers, beats, status, events] = await Promise.all([
          view?.nodes({ kind: 'worker' }) ?? ctx.provider.listNodes({ kind: 'worker' }),
          store?.heartbeats().catch(() => [] as NodeHeartbeat[]) ?? [],
          store?.status().catch(() => undefined),
          store?.events(50).catch(() => []) ?? [],
        ]);
        const now = clock.now();
        const launchHashes = bootstrap.launchHashes;
        const joined = joinedWorkers(workers, {
          beats,
          launchHashes,
          runtimeHashes: bootstrap.runtimeHashes,
          fileMountsHash: bootstrap.runtimeHashes && bootstrap.fileMountsHash,
          now,
          heartbeatTimeoutMs,
        });
        reportProgress(options.sink, { workers, joined, seen, t0, now });
        reportHeadFailures(options.sink, events, { reported, t0 });
        const { done, short } = shortfall(joined, want);
        const surplus = options.noSurplus === true ? surplusWorkers(workers, ctx.config) : [];
        if (done && surplus.length === 0) return joined;
        const hopeless = hopelessTypes(status?.blocked ?? {}, want);
        if (hopeless.length > 0) {
          throw new CloudtikError(
            'ERR_CLOUDTIK_CLUSTER',
            `the head cannot bring up the workers: ${hopeless.map(([type, why]) => `${type} ${why}`).join('; ')}`,
            { details: short, hint: 'see cloudtik events <cluster.yaml> for every attempt' },
          );
        }
        last = { short: [...short, ...surplus], messages: status?.messages };
        return undefined;
      },
      {
        what: 'the workers to join',
        ms: options.timeoutMs,
        clock,
        signal: options.signal,
        pauseMs: view ? followedPause : joinPause,
        wake: view && ((news) => view.onChange(news)),
        expired: () =>
          new CloudtikError(
            'ERR_CLOUDTIK_TIMEOUT',
            `workers did not join within ${formatDuration(options.timeoutMs)}: ${last.short.join(', ')}`,
            {
              details: last.messages ?? ['the head published no controller status: is its controller running?'],
              hint: 'see cloudtik status <cluster.yaml> and cloudtik events <cluster.yaml>; cloudtik monitor shows the controller log',
            },
          ),
      },
    );
  } finally {
    view?.close();
    await store?.close();
  }
}

/**
 * Pause between two looks at the workers: short in the first seconds, where a bare worker joins
 * (its update ends a moment after the head's controller starts), longer after.
 */
function joinPause(waitedMs: number): number {
  if (waitedMs < 2_000) return 50;
  return waitedMs < 5_000 ? 100 : 250;
}

/** {@link joinPause} where the nodes are followed (a look lists nothing): shorter in the first seconds. */
function followedPause(waitedMs: number): number {
  return waitedMs < 2_000 ? 20 : joinPause(waitedMs);
}

/** A node event for each worker whose state changed since the last look (`seen` keeps them). */
function reportProgress(
  sink: EventSink,
  look: { workers: NodeInfo[]; joined: NodeInfo[]; seen: Map<string, string>; t0: number; now: number },
): void {
  for (const w of look.workers) {
    const state = waitState(w, look.joined);
    if (look.seen.get(w.id) === state) continue;
    look.seen.set(w.id, state);
    const phase = PHASE_OF[state];
    if (state === 'joined') {
      const ms = look.now - Math.max(look.t0, w.createdAt);
      sink({ type: 'node-status', node: w.id, kind: 'worker', status: 'up-to-date', ms });
    } else if (phase) {
      sink({ type: 'node-phase', node: w.id, kind: 'worker', phase, state: 'start' });
    }
  }
}

/** The head's failed launches and updates since the wait began, each once, as warnings. */
function reportHeadFailures(
  sink: EventSink,
  events: readonly ClusterEvent[],
  since: { reported: Set<string>; t0: number },
): void {
  for (const e of events) {
    const key = `${e.time}:${e.message}`;
    if (e.time < since.t0 || since.reported.has(key)) continue;
    since.reported.add(key);
    if (e.kind === 'launch-failed' || e.kind === 'update-failed') logEvent(sink, 'warn', `head: ${e.message}`);
  }
}

/** A wait for the workers begun before its step (see {@link beginWorkersWait}). */
export interface EarlyWait {
  /** Begin the wait (once; later calls do nothing), its progress kept until {@link finish}. */
  begin(head: NodeInfo): void;
  /** The kept progress, then the rest as it comes, to the wait's sink; settles as the wait does. */
  finish(): Promise<NodeInfo[]>;
  /** End a begun wait (its step will not come: the start failed) and let its connections close. */
  cancel(): Promise<void>;
}

/**
 * A wait for the workers launched with a new head, begun while the head's last start commands
 * run (once its controller's config is in place, which the wait reads): their agents' heartbeats
 * reach the head's store as soon as it runs, and the wait sees them there without waiting for the
 * head's call to end. Its events are kept until {@link EarlyWait.finish}, so they come under the
 * workers' step, after the head's own.
 */
export function beginWorkersWait(ctx: ClusterContext, options: Omit<WaitOptions, 'head'>): EarlyWait {
  const kept: Parameters<EventSink>[0][] = [];
  let pass: EventSink | undefined;
  const sink: EventSink = (e) => (pass ? pass(e) : kept.push(e));
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;
  let waiting: Promise<NodeInfo[]> | undefined;
  return {
    begin(head) {
      waiting ??= waitForWorkers(ctx, { ...options, sink, signal, head });
      // Its failure is the workers' step's, passed on by finish.
      waiting.catch(() => undefined);
    },
    finish() {
      pass = options.sink;
      for (const e of kept.splice(0)) pass(e);
      return waiting ?? waitForWorkers(ctx, options);
    },
    async cancel() {
      stop.abort();
      await waiting?.catch(() => undefined);
    },
  };
}
