/**
 * The cluster controller: runs on the head and keeps the cluster at the size its config and the
 * user's scale requests ask for. Each pass lists the workers (by label, through the provider),
 * joins them with the agents' heartbeats, asks the pure scaler what to do (src/core/scaler) and
 * does it: terminate, launch, set up, recover. Every action becomes an event with its reason, and
 * the pass's view is published as the controller status that `cloudtik status` shows.
 */
import type { ClusterConfig } from '../config/types.js';
import { systemClock, type Clock } from '../core/clock.js';
import { CloudtikError } from '../core/errors.js';
import { errorMessage, type CoreEvent, type EventSink } from '../core/events.js';
import { formatDuration } from '../core/scaler/format.js';
import { statusOf, toScalerNode } from '../core/scaler/observe.js';
import { planPass } from '../core/scaler/plan.js';
import { requestedBundles } from '../core/scaler/requests.js';
import { scalerConfigOf } from '../core/scaler/config.js';
import { blockedTypesOf, failureAfter, retryingMessages, type TypeFailures } from '../core/scaler/failures.js';
import { setUpByStart, workersToSetUp, type SetupCandidate } from '../core/scaler/setup.js';
import type { Decision, LaunchDecision, ScalerConfig, ScalerMemory } from '../core/scaler/types.js';
import type { ClusterEvent, ControllerStatus, NodeHeartbeat, StateStore, StatusNode } from '../core/state/store.js';
import { fileMountsContentsHash, runtimeHash } from '../core/updater/hashes.js';
import { formatPhases, type NodeUpdateOptions, type NodeUpdateResult } from '../core/updater/node-updater.js';
import { TAG, type NodeInfo, type NodeProvider } from '../providers/provider.js';
import type { ControllerBootstrap } from '../core/cluster/bootstrap.js';

/** What the controller logs through (see log.ts). */
export interface ControllerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface ControllerDeps {
  provider: NodeProvider;
  store: StateStore;
  /** The bootstrap document and a hash that changes when it does. */
  loadBootstrap(): Promise<{ bootstrap: ControllerBootstrap; hash: string }>;
  /** Bring a node to up-to-date (the node updater; injected for tests). */
  updateNode(options: NodeUpdateOptions): Promise<Pick<NodeUpdateResult, 'phases'> | undefined>;
  headIp: string;
  /** Environment added to every node command (the state store's password). */
  nodeEnv: Record<string, string>;
  clock?: Clock;
  log: ControllerLog;
  heartbeatTimeoutMs: number;
  readyTimeoutMs: number;
}

/** How often hosts given back while they did not answer are tried again (see NodeProvider.retryTeardowns). */
export const TEARDOWN_RETRY_MS = 30_000;

interface Applied {
  hash: string;
  bootstrap: ControllerBootstrap;
  config: ClusterConfig;
  scaler: ScalerConfig;
  runtimeHashes: Record<string, string>;
  fileMountsHash: string;
}

/** What a pass sees: the cluster's workers, their heartbeats and the scale requests. */
interface Observed {
  nodes: NodeInfo[];
  byId: ReadonlyMap<string, NodeInfo>;
  beats: ReadonlyMap<string, NodeHeartbeat>;
  requests: ControllerStatus['requests'];
  /** Worker heartbeats left by nodes that no longer exist. */
  goneHeartbeats: string[];
}

/** What the acting steps of one pass share. */
interface PassState {
  seen: Observed;
  /**
   * Workers this controller was setting up or restarting when the pass looked: what it saw of
   * them may be older than their update's end, so the pass leaves them alone (the next one sees
   * them as they are).
   */
  busyWhenSeen: ReadonlySet<string>;
  terminated: ReadonlySet<string>;
  /** What the controller does to each worker, for the published status. */
  actions: Map<string, string>;
  now: number;
}

/** What the published controller status is made of. */
interface StatusInput {
  applied: Applied;
  nodes: NodeInfo[];
  beats: ReadonlyMap<string, NodeHeartbeat>;
  actions: ReadonlyMap<string, string>;
  requests: ControllerStatus['requests'];
  blocked: Record<string, string>;
  messages: string[];
  now: number;
}

export class ClusterController {
  private readonly clock: Clock;
  private applied: Applied | undefined;
  private readonly memory: ScalerMemory;
  private readonly pending = new Map<string, number>();
  private readonly updating = new Map<string, string>();
  /** Workers `start` is setting up itself (see ControllerBootstrap.setUpByStart), recomputed each pass. */
  private byStart = new Map<string, string>();
  /** Until when the current config's setUpByStart holds (this controller's clock). */
  private byStartUntil = 0;
  private readonly failures = new Map<string, TypeFailures>();
  private readonly resumes = new Map<string, { count: number; at: number }>();
  /** When each worker's last setup or restart by this controller finished (see ScalerNode.updatedAt). */
  private readonly updatedAt = new Map<string, number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private passCount = 0;
  private lastMessages = '';
  /** The running retry of hosts given back while silent; launches wait for it (it must not stop what they set up). */
  private teardownRetry: Promise<void> | undefined;
  private teardownRetryAt = -Infinity;
  /** Hosts given back while they did not answer, and since when the controller knows. */
  private readonly silentHosts = new Map<string, number>();

  constructor(private readonly deps: ControllerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.memory = { lastUsedAt: new Map(), startedAt: this.clock.now() };
  }

  /** Run passes every `intervalMs` until `signal` aborts; a failing pass is logged and retried. */
  async run(signal: AbortSignal, intervalMs: number): Promise<void> {
    await this.event({ kind: 'controller', reason: 'started', message: `controller started (pid ${process.pid})` });
    while (!signal.aborted) {
      try {
        await this.pass();
      } catch (err) {
        this.deps.log.error({ err }, 'controller pass failed; retrying');
      }
      // The next pass comes after the interval, or at once when `scale` asks for one.
      await this.deps.store.waitForWake(intervalMs, signal).catch(() => undefined);
    }
    await Promise.allSettled([...this.inFlight]);
  }

  /** Wait for launches and updates started by earlier passes (tests and benchmarks). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async applyConfig(): Promise<Applied> {
    const { bootstrap, hash } = await this.deps.loadBootstrap();
    if (this.applied?.hash === hash) return this.applied;
    const config = bootstrap.config;
    const scaler = scalerConfigOf(config, {
      launchHashes: bootstrap.launchHashes,
      heartbeatTimeoutMs: this.deps.heartbeatTimeoutMs,
    });
    const runtimeHashes: Record<string, string> = {};
    for (const name of Object.keys(scaler.workerTypes)) {
      runtimeHashes[name] = bootstrap.runtimeHashes?.[name] ?? runtimeHash(config, 'worker', name);
    }
    const applied: Applied = {
      hash,
      bootstrap,
      config,
      runtimeHashes,
      fileMountsHash: bootstrap.fileMountsHash ?? (await fileMountsContentsHash(config.file_mounts)),
      scaler,
    };
    const first = this.applied === undefined;
    this.applied = applied;
    this.byStartUntil = this.clock.now() + (bootstrap.setUpByStart?.ms ?? 0);
    // A new config is a fresh start for types that gave up.
    this.failures.clear();
    await this.deps.store.setValue('runtime_config', JSON.stringify(config.runtime));
    await this.event({
      kind: 'controller',
      reason: first ? 'config loaded' : 'config changed',
      message: `${first ? 'loaded' : 'applied a new'} cluster config (${Object.keys(scaler.workerTypes).length} worker type(s), max_workers ${config.max_workers})`,
    });
    return applied;
  }

  /** One pass: observe, decide, act (launches and updates continue in the background). */
  async pass(): Promise<ControllerStatus> {
    const t0 = performance.now();
    const now = this.clock.now();
    const applied = await this.applyConfig();
    const busyWhenSeen = new Set(this.updating.keys());
    const seen = await this.observe();
    this.byStart = setUpByStart(
      now < this.byStartUntil ? (applied.bootstrap.setUpByStart?.nodes ?? []) : [],
      seen.nodes.map(toSetupCandidate),
    );
    const blockedTypes = blockedTypesOf(this.failures, now);
    const failing = retryingMessages(this.failures, blockedTypes);
    const result = planPass({
      config: applied.scaler,
      workers: seen.nodes.map((n) =>
        toScalerNode(n, {
          heartbeat: seen.beats.get(n.id),
          resumed: this.resumes.get(n.id),
          updatedAt: this.updatedAt.get(n.id),
        }),
      ),
      pending: Object.fromEntries(this.pending),
      requests: requestedBundles(seen.requests),
      demands: [],
      updating: this.busyOrSeenBusy(busyWhenSeen),
      blockedTypes,
      now,
      memory: this.memory,
    });
    this.memory.lastUsedAt = result.lastUsedAt;

    const actions = new Map<string, string>();
    // Terminate first: what goes frees room for what comes.
    const terminated = await this.terminate(result.terminate, seen.byId, now, actions);
    if (result.resume.length > 0) await this.resume(result.resume, now, actions);
    await this.deps.store.removeHeartbeats(seen.goneHeartbeats);
    const events = this.launchAll(applied, result.launch, now);
    // After the launches above counted as pending: a retry must not stop what they set up.
    this.maybeRetryTeardowns(now);
    events.push(...this.recoverAll(applied, result.recover, { seen, busyWhenSeen, terminated, actions, now }));
    events.push(...this.setUpAll(applied, { seen, busyWhenSeen, terminated, actions, now }));
    events.push(...this.scalerMessages(result.messages, now));
    await this.deps.store.addEvents(events);
    for (const e of events) this.deps.log.info({ event: e.kind, reason: e.reason, nodeType: e.nodeType }, e.message);

    for (const [id, why] of [...this.updating, ...this.byStart]) if (!actions.has(id)) actions.set(id, why);
    // Terminated workers are gone: the published view lists what is left (events keep the why).
    const status = this.status({
      applied,
      nodes: seen.nodes.filter((n) => !terminated.has(n.id)),
      beats: seen.beats,
      actions,
      requests: seen.requests,
      blocked: blockedTypes,
      messages: [...result.messages, ...failing, ...this.silentMessages(now)],
      now,
    });
    status.passMs = Math.round(performance.now() - t0);
    await this.deps.store.setStatus(status);
    return status;
  }

  /** The workers, their heartbeats and the scale requests; forgets what it knew of workers that are gone. */
  private async observe(): Promise<Observed> {
    const [nodes, beats, requests] = await Promise.all([
      this.deps.provider.listNodes({ kind: 'worker' }),
      this.deps.store.heartbeats(),
      this.deps.store.requests(),
    ]);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const id of this.updatedAt.keys()) if (!byId.has(id)) this.updatedAt.delete(id);
    return {
      nodes,
      byId,
      beats: new Map<string, NodeHeartbeat>(beats.map((b) => [b.nodeId, b])),
      requests,
      // Heartbeats of nodes that no longer exist.
      goneHeartbeats: beats.filter((b) => b.kind === 'worker' && !byId.has(b.nodeId)).map((b) => b.nodeId),
    };
  }

  /**
   * Terminate the workers the scaler retires, except those being updated now; resolves to the
   * ids terminated. A worker whose setup failed counts as a failure of its type.
   */
  private async terminate(
    decisions: Decision[],
    byId: ReadonlyMap<string, NodeInfo>,
    now: number,
    actions: Map<string, string>,
  ): Promise<Set<string>> {
    const terminate = decisions.filter((d) => d.nodeId !== undefined && !this.busy(d.nodeId));
    if (terminate.length === 0) return new Set();
    const ids = terminate.map((d) => d.nodeId as string);
    for (const d of terminate) {
      const node = byId.get(d.nodeId as string);
      if (node && node.tags[TAG.nodeStatus] === 'update-failed') this.noteFailure(d.nodeType, d.reason, now);
    }
    // Recorded before acting: a controller stopped midway still leaves the why behind.
    const why: ClusterEvent[] = terminate.map((d) => ({
      time: now,
      kind: 'terminate',
      nodeType: d.nodeType,
      nodeIds: [d.nodeId as string],
      reason: d.reason,
      message: `terminating ${d.nodeId} (${d.nodeType}): ${d.reason}`,
    }));
    await this.deps.store.addEvents(why);
    for (const e of why) this.deps.log.info({ event: e.kind, reason: e.reason, nodeType: e.nodeType }, e.message);
    await this.deps.provider.terminateNodes(ids, this.sink());
    await this.deps.store.removeHeartbeats(ids);
    for (const d of terminate) actions.set(d.nodeId as string, `terminated: ${d.reason}`);
    return new Set(ids);
  }

  /** Start the launches the scaler decided (in the background); returns their events. */
  private launchAll(applied: Applied, launches: readonly LaunchDecision[], now: number): ClusterEvent[] {
    const events: ClusterEvent[] = [];
    for (const l of launches) {
      if (l.count <= 0) continue;
      events.push({
        time: now,
        kind: 'launch',
        nodeType: l.nodeType,
        count: l.count,
        reason: l.reason,
        message: `launching ${l.count} ${l.nodeType} worker(s): ${l.reason}`,
      });
      this.track(this.launch(applied, l.nodeType, l.count, l.reason));
    }
    return events;
  }

  /** Re-run the start commands of workers without a recent heartbeat (in the background); returns the events. */
  private recoverAll(applied: Applied, decisions: readonly Decision[], pass: PassState): ClusterEvent[] {
    const events: ClusterEvent[] = [];
    for (const r of decisions) {
      const node = r.nodeId ? pass.seen.byId.get(r.nodeId) : undefined;
      if (!node || pass.terminated.has(node.id) || this.busy(node.id)) continue;
      pass.actions.set(node.id, `recovering: ${r.reason}`);
      events.push({
        time: pass.now,
        kind: 'recover',
        nodeType: node.nodeType,
        nodeIds: [node.id],
        reason: r.reason,
        message: `re-running the start commands of ${node.id}: ${r.reason}`,
      });
      this.track(this.update(applied, node, 'restart-only', r.reason));
    }
    return events;
  }

  /**
   * Set up the workers that need it (see workersToSetUp), in the background; returns the events.
   * Runs after the launches and recoveries of the pass started: their nodes are skipped.
   */
  private setUpAll(applied: Applied, pass: PassState): ClusterEvent[] {
    const decisions = workersToSetUp({
      workers: pass.seen.nodes.map(toSetupCandidate),
      launchHashes: Object.fromEntries(Object.values(applied.scaler.workerTypes).map((t) => [t.name, t.launchHash])),
      runtimeHashes: applied.runtimeHashes,
      fileMountsHash: applied.fileMountsHash,
      pending: this.pending,
      skip: new Set([...pass.terminated, ...this.busyOrSeenBusy(pass.busyWhenSeen)]),
    });
    return decisions.map((d) => {
      const node = pass.seen.byId.get(d.nodeId as string) as NodeInfo;
      pass.actions.set(node.id, `updating: ${d.reason}`);
      this.track(this.update(applied, node, 'full', d.reason));
      return {
        time: pass.now,
        kind: 'update',
        nodeType: node.nodeType,
        nodeIds: [node.id],
        reason: d.reason,
        message: `setting up ${node.id}: ${d.reason}`,
      };
    });
  }

  /** The scaler's messages as warning events, only when they changed since the last pass. */
  private scalerMessages(messages: readonly string[], now: number): ClusterEvent[] {
    if (messages.join('\n') === this.lastMessages) return [];
    this.lastMessages = messages.join('\n');
    return messages.map((m) => ({ time: now, kind: 'warning', reason: 'scaler', message: m }));
  }

  private status(s: StatusInput): ControllerStatus {
    const { applied, beats, actions, now } = s;
    const workers: StatusNode[] = s.nodes.map((n) => {
      const hb = beats.get(n.id);
      return {
        id: n.id,
        ip: n.ip,
        nodeType: n.nodeType,
        status: statusOf(n),
        heartbeatAgeMs: hb ? Math.max(0, now - hb.time) : undefined,
        inUse: hb?.inUse ?? false,
        ...(actions.has(n.id) ? { action: actions.get(n.id) } : {}),
      };
    });
    const targets: ControllerStatus['targets'] = {};
    for (const [name, t] of Object.entries(applied.scaler.workerTypes)) {
      const ofType = workers.filter((w) => w.nodeType === name && !actions.get(w.id)?.startsWith('terminated'));
      targets[name] = {
        min: t.minWorkers,
        max: t.maxWorkers,
        upToDate: ofType.filter((w) => w.status === 'up-to-date').length,
        total: ofType.length,
      };
    }
    return {
      time: now,
      pid: process.pid,
      pass: ++this.passCount,
      passMs: 0,
      headIp: this.deps.headIp,
      workers,
      pending: Object.fromEntries(this.pending),
      blocked: s.blocked,
      targets,
      requests: s.requests,
      messages: s.messages,
    };
  }

  /**
   * Start stopped workers again: their setup and data are kept, and their boot re-runs their start
   * commands (no updater runs for them). Each start is an event with its reason.
   */
  private async resume(decisions: Decision[], now: number, actions: Map<string, string>): Promise<void> {
    const ids = decisions.map((d) => d.nodeId as string);
    for (const id of ids) this.resumes.set(id, { count: (this.resumes.get(id)?.count ?? 0) + 1, at: now });
    await this.deps.store.addEvents(
      decisions.map((d) => ({
        time: now,
        kind: 'resume',
        nodeType: d.nodeType,
        nodeIds: [d.nodeId as string],
        reason: d.reason,
        message: `starting ${d.nodeId} (${d.nodeType}) again: ${d.reason}`,
      })),
    );
    try {
      await this.deps.provider.startNodes(ids, this.sink());
      for (const id of ids) actions.set(id, 'resuming: started again');
    } catch (err) {
      this.deps.log.warn({ err }, `could not start ${ids.join(', ')} again`);
    }
  }

  /**
   * Every TEARDOWN_RETRY_MS, in the background, try again to stop the cluster's services on hosts
   * given back while they did not answer; never while a launch may be handing out hosts.
   */
  private maybeRetryTeardowns(now: number): void {
    if (!this.deps.provider.retryTeardowns || this.teardownRetry !== undefined) return;
    if (now - this.teardownRetryAt < TEARDOWN_RETRY_MS || [...this.pending.values()].some((n) => n > 0)) return;
    this.teardownRetryAt = now;
    const run = this.retryTeardowns().finally(() => (this.teardownRetry = undefined));
    this.teardownRetry = run.catch(() => undefined);
    this.track(run);
  }

  private async retryTeardowns(): Promise<void> {
    const r = await this.deps.provider.retryTeardowns!(this.sink());
    const now = this.clock.now();
    for (const id of [...this.silentHosts.keys()]) if (!r.unanswered.includes(id)) this.silentHosts.delete(id);
    for (const id of r.unanswered.filter((h) => !this.silentHosts.has(h))) {
      this.silentHosts.set(id, now);
      await this.event({
        kind: 'warning',
        nodeIds: [id],
        reason: 'host does not answer',
        message: `host ${id} does not answer: it was given back with the cluster's services maybe still running there; trying again every ${TEARDOWN_RETRY_MS / 1000}s`,
      });
    }
    for (const id of r.stopped) {
      await this.event({
        kind: 'terminate',
        nodeIds: [id],
        reason: 'answers again',
        message: `host ${id} answers again: the cluster's services there are stopped and it is free again`,
      });
    }
  }

  private silentMessages(now: number): string[] {
    return [...this.silentHosts].map(
      ([id, since]) =>
        `host ${id} does not answer (for ${formatDuration(now - since)}): its services could not be stopped; retrying`,
    );
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.deps.log.error({ err }, 'background task failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private noteFailure(nodeType: string, error: string, now: number, capacity = false): void {
    this.failures.set(nodeType, failureAfter(this.failures.get(nodeType), { error, now, capacity }));
  }

  private async launch(applied: Applied, nodeType: string, count: number, reason: string): Promise<void> {
    const typeConfig = applied.config.available_node_types[nodeType];
    const image = applied.bootstrap.images[nodeType];
    this.pending.set(nodeType, (this.pending.get(nodeType) ?? 0) + count);
    // Nodes that exist while the launch waits for them to run are busy: no pass retires them.
    const launching: string[] = [];
    const onCreated = (ids: readonly string[]): void => {
      for (const id of ids) this.updating.set(id, `launching: ${reason}`);
      launching.push(...ids);
    };
    let created: NodeInfo[];
    try {
      await this.teardownRetry;
      if (!typeConfig || !image) throw new Error(`node type ${nodeType} has no image in the cluster config`);
      created = await this.deps.provider.createNodes(
        {
          kind: 'worker',
          nodeType,
          nodeConfig: typeConfig.node_config,
          image,
          launchHash: applied.bootstrap.launchHashes[nodeType] ?? '',
          count,
          onCreated,
        },
        this.sink(),
      );
    } catch (err) {
      const message = errorMessage(err);
      const capacity = err instanceof CloudtikError && err.code === 'ERR_CLOUDTIK_CAPACITY';
      this.noteFailure(nodeType, message, this.clock.now(), capacity);
      await this.event({
        kind: 'launch-failed',
        nodeType,
        count,
        reason: message,
        message: `could not launch ${count} ${nodeType} worker(s) (${reason}): ${message}`,
      });
      return;
    } finally {
      this.pending.set(nodeType, Math.max(0, (this.pending.get(nodeType) ?? 0) - count));
      for (const id of launching) this.updating.delete(id);
    }
    if (created.length < count) {
      this.noteFailure(nodeType, `only ${created.length} of ${count} could be launched`, this.clock.now(), true);
    }
    const ok = await Promise.all(created.map((node) => this.update(applied, node, 'full', `new node (${reason})`)));
    // A type is healthy again once a whole launch came up.
    if (created.length === count && ok.every(Boolean)) this.failures.delete(nodeType);
  }

  /** Whether a worker is being set up or restarted now, by this controller or by `start`. */
  private busy(id: string): boolean {
    return this.updating.has(id) || this.byStart.has(id);
  }

  /** Workers busy now or when the pass looked (see PassState.busyWhenSeen). */
  private busyOrSeenBusy(busyWhenSeen: ReadonlySet<string>): Set<string> {
    return new Set([...busyWhenSeen, ...this.busyIds()]);
  }

  private busyIds(): string[] {
    return [...this.updating.keys(), ...this.byStart.keys()];
  }

  /** Update one node; resolves to whether it became up-to-date (failures are events, not errors). */
  private async update(applied: Applied, node: NodeInfo, mode: 'full' | 'restart-only', why: string): Promise<boolean> {
    this.updating.set(node.id, `${mode === 'full' ? 'setting up' : 'restarting'}: ${why}`);
    const t0 = this.clock.now();
    try {
      const result = await this.deps.updateNode({
        provider: this.deps.provider,
        node,
        config: applied.config,
        headIp: this.deps.headIp,
        mode,
        runtimeHash: applied.runtimeHashes[node.nodeType] ?? '',
        fileMountsHash: applied.fileMountsHash,
        inputs: applied.bootstrap.inputs?.[node.nodeType],
        sink: this.sink(),
        readyTimeoutMs: this.deps.readyTimeoutMs,
        extraEnv: this.deps.nodeEnv,
      });
      this.updatedAt.set(node.id, this.clock.now());
      await this.event({
        kind: 'update',
        nodeType: node.nodeType,
        nodeIds: [node.id],
        reason: why,
        message:
          `${node.id} is up-to-date after ${((this.clock.now() - t0) / 1000).toFixed(1)}s` +
          (result ? ` (${formatPhases(result.phases)})` : ''),
      });
      return true;
    } catch (err) {
      await this.event({
        kind: 'update-failed',
        nodeType: node.nodeType,
        nodeIds: [node.id],
        reason: errorMessage(err),
        message: `${mode === 'full' ? 'setup' : 'restart'} of ${node.id} failed: ${errorMessage(err)}`,
      });
      return false;
    } finally {
      this.updating.delete(node.id);
    }
  }

  private async event(e: Omit<ClusterEvent, 'time'>): Promise<void> {
    const full: ClusterEvent = { time: this.clock.now(), ...e };
    this.deps.log.info({ event: e.kind, reason: e.reason, nodeType: e.nodeType }, e.message);
    await this.deps.store.addEvents([full]).catch((err: unknown) => {
      this.deps.log.warn({ err }, 'could not record an event');
    });
  }

  private sink(): EventSink {
    return (e: CoreEvent) => {
      if (e.type === 'log') {
        if (e.level === 'warn') this.deps.log.warn({}, e.message);
        else this.deps.log.debug({}, e.message);
      } else if (e.type === 'node-phase' && e.state === 'fail') {
        this.deps.log.warn({ node: e.node, phase: e.phase }, e.detail ?? 'failed');
      }
    };
  }
}

/** A worker as the setup rule sees it (see workersToSetUp). */
function toSetupCandidate(n: NodeInfo): SetupCandidate {
  return {
    id: n.id,
    nodeType: n.nodeType,
    running: n.running,
    launchHash: n.tags[TAG.launchConfig],
    status: n.tags[TAG.nodeStatus],
    runtimeHash: n.tags[TAG.runtimeConfig],
    fileMountsHash: n.tags[TAG.fileMountsContents],
  };
}
