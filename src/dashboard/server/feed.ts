/**
 * One reader per cluster, shared by every page that listens to it: while someone listens, the
 * cluster is read once a second and what changed goes to every listener as stream events; when
 * the last one leaves, the reader stops and closes its connections. The dashboard's own action
 * events pass through here too (the last few are kept for pages that open later).
 */
import { systemClock, type Clock } from '../../core/clock.js';
import type { ClusterEvent } from '../../core/state/store.js';
import type { ActionEvent, ClusterRef, ClusterView, DashboardStreamEvent } from '../contract.js';
import { refKey, type ClusterSnapshot, type ClusterWatch, type DashboardBackend } from './backend.js';

export type FeedListener = (event: DashboardStreamEvent) => void;

/** Cluster events a new listener gets first. */
export const REPLAY_EVENTS = 100;
/** Action events kept per cluster for listeners that come later. */
export const KEPT_ACTIONS = 20;
/** `status` goes out at least this often while the cluster has nodes (heartbeat ages move). */
export const STATUS_REFRESH_MS = 5000;

export interface FeedOptions {
  pollMs?: number;
  clock?: Clock;
}

/** What changed between two reads, as stream events (pure). */
export function changes(
  prev: ClusterSnapshot | undefined,
  next: ClusterSnapshot,
  o: { lastStatusAt: number; now: number },
): DashboardStreamEvent[] {
  const out: DashboardStreamEvent[] = newEvents(prev?.events ?? [], next.events).map((data) => ({
    event: 'cluster',
    data,
  }));
  const stale = next.view.nodes.length > 0 && o.now - o.lastStatusAt >= STATUS_REFRESH_MS;
  if (!prev || stale || viewKey(prev.view) !== viewKey(next.view)) out.push({ event: 'status', data: next.view });
  if (!prev || JSON.stringify(prev.jobs) !== JSON.stringify(next.jobs)) {
    out.push({ event: 'jobs', data: { jobs: next.jobs } });
  }
  return out;
}

/** The view without what moves on its own every second (heartbeat ages, the controller's pass counters). */
function viewKey(view: ClusterView): string {
  const { status } = view.controller;
  return JSON.stringify({
    ...view,
    nodes: view.nodes.map(({ heartbeatAgeMs, ...n }) => ({ ...n, beats: heartbeatAgeMs !== undefined })),
    controller: { ...view.controller, ...(status ? { status: { ...status, time: 0, pass: 0, passMs: 0 } } : {}) },
  });
}

/** Events of `next` (newest last) that `prev` did not have. */
export function newEvents(prev: ClusterEvent[], next: ClusterEvent[]): ClusterEvent[] {
  const last = prev[prev.length - 1];
  if (!last) return prev.length === 0 ? next : [];
  const seen = new Set(prev.filter((e) => e.time === last.time).map((e) => JSON.stringify(e)));
  return next.filter((e) => e.time > last.time || (e.time === last.time && !seen.has(JSON.stringify(e))));
}

class ClusterReader {
  readonly listeners = new Set<FeedListener>();
  readonly actions: ActionEvent[] = [];
  snapshot: ClusterSnapshot | undefined;
  private readonly stop = new AbortController();
  private readonly done: Promise<void>;
  private lastStatusAt = 0;

  constructor(
    private readonly backend: DashboardBackend,
    private readonly ref: ClusterRef,
    private readonly o: Required<FeedOptions>,
  ) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    let watch: ClusterWatch | undefined;
    try {
      while (!this.stop.signal.aborted) {
        // A watch that cannot be opened now (its state folder is being written) is tried again.
        watch ??= await this.backend.watch(this.ref).catch(() => undefined);
        if (watch) await this.tick(watch);
        await this.o.clock.sleep(this.o.pollMs, this.stop.signal).catch(() => undefined);
      }
    } finally {
      await watch?.close();
    }
  }

  private async tick(watch: ClusterWatch): Promise<void> {
    let next: ClusterSnapshot;
    try {
      next = await watch.read();
    } catch {
      return; // the next tick tries again; the view shows what is reachable
    }
    if (this.stop.signal.aborted) return;
    const now = this.o.clock.now();
    const events = changes(this.snapshot, next, { lastStatusAt: this.lastStatusAt, now });
    const first = this.snapshot === undefined;
    this.snapshot = next;
    if (events.some((e) => e.event === 'status')) this.lastStatusAt = now;
    if (first) for (const l of this.listeners) this.greet(l);
    else for (const e of events) this.broadcast(e);
  }

  /** What a listener gets first: the last events, the current view and jobs, the recent actions. */
  greet(listener: FeedListener): void {
    const s = this.snapshot;
    if (!s) return; // greeted after the first read
    for (const data of s.events.slice(-REPLAY_EVENTS)) listener({ event: 'cluster', data });
    listener({ event: 'status', data: s.view });
    listener({ event: 'jobs', data: { jobs: s.jobs } });
    for (const data of this.actions) listener({ event: 'action', data });
  }

  broadcast(event: DashboardStreamEvent): void {
    for (const l of this.listeners) l(event);
  }

  close(): Promise<void> {
    this.stop.abort();
    return this.done;
  }
}

/** The readers of every cluster someone listens to. */
export class ClusterFeed {
  private readonly readers = new Map<string, ClusterReader>();
  /** Actions of clusters nobody listens to yet. */
  private readonly idleActions = new Map<string, ActionEvent[]>();
  private readonly o: Required<FeedOptions>;

  constructor(
    private readonly backend: DashboardBackend,
    options: FeedOptions = {},
  ) {
    this.o = { pollMs: options.pollMs ?? 1000, clock: options.clock ?? systemClock };
  }

  /** Listen to a cluster; the returned function stops listening (and the reader, if it was the last). */
  subscribe(ref: ClusterRef, listener: FeedListener): () => Promise<void> {
    const key = refKey(ref);
    let reader = this.readers.get(key);
    if (!reader) {
      reader = new ClusterReader(this.backend, ref, this.o);
      reader.actions.push(...(this.idleActions.get(key) ?? []));
      this.idleActions.delete(key);
      this.readers.set(key, reader);
    }
    reader.listeners.add(listener);
    reader.greet(listener);
    const r = reader;
    return async () => {
      r.listeners.delete(listener);
      if (r.listeners.size > 0 || this.readers.get(key) !== r) return;
      this.readers.delete(key);
      this.keepActions(key, r.actions);
      await r.close();
    };
  }

  /** An action's progress: to every listener of its cluster, and kept for later ones. */
  publishAction(ref: ClusterRef, event: ActionEvent): void {
    const key = refKey(ref);
    const reader = this.readers.get(key);
    if (reader) {
      keep(reader.actions, event);
      reader.broadcast({ event: 'action', data: event });
    } else {
      this.keepActions(key, [...(this.idleActions.get(key) ?? []), event]);
    }
  }

  /** How many clusters are being read now (for tests and the command's exit). */
  get activeReaders(): number {
    return this.readers.size;
  }

  /** Stop every reader. */
  async close(): Promise<void> {
    const all = [...this.readers.values()];
    this.readers.clear();
    await Promise.all(all.map((r) => r.close()));
  }

  private keepActions(key: string, actions: ActionEvent[]): void {
    const kept: ActionEvent[] = [];
    for (const a of actions) keep(kept, a);
    this.idleActions.set(key, kept);
  }
}

function keep(list: ActionEvent[], event: ActionEvent): void {
  list.push(event);
  if (list.length > KEPT_ACTIONS) list.splice(0, list.length - KEPT_ACTIONS);
}
