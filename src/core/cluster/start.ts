import { env } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import type { HostResources, NodeInfo, NodeLaunchRequest, NodeProvider } from '../../providers/provider.js';
import { packageVersion } from '../../version.js';
import { CloudtikError, isCloudtikError } from '../errors.js';
import { logEvent, nullSink, timedStep, type EventSink } from '../events.js';
import { TAG } from '../../providers/provider.js';
import { RERUN_SETUP } from '../plan-update/plan.js';
import { encodeInputParts, fileMountsContentsHash } from '../updater/hashes.js';
import {
  decideStart,
  startTargets,
  type RerunTargets,
  type StartDecision,
  type TypeTarget,
} from '../plan-start/decide.js';
import { installAheadRequests, newWorkers, planStart, withHeadRequests, type StartPlan } from '../plan-start/plan.js';
import { nodeEnvironment, updateNode, type NodeUpdateResult, type UpdateMode } from '../updater/node-updater.js';
import { installWorkersAhead, launchWorkersWithHead, type WorkersWithHead } from './ahead.js';
import { ensureSecrets, headSideConfig, installStateCommand, writeBootstrap } from './bootstrap.js';
import { openCluster, type ClusterContext } from './context.js';
import { openHeadStore } from './head-state.js';
import { runtimeEndpoints, runtimeUsage, type Endpoint } from './runtimes.js';
import { beginWorkersWait, type EarlyWait } from './wait.js';

export interface StartOptions {
  config: ClusterConfig;
  mode: UpdateMode;
  sink: EventSink;
  signal?: AbortSignal;
  /** Wait until every worker type has its min_workers joined (default true). */
  wait?: boolean;
  /** Nodes whose setup runs again though nothing changed (`--rerun-setup`). */
  rerun?: RerunTargets;
}

export interface StartResult {
  cluster: string;
  workspace: string;
  head: NodeInfo;
  workers: NodeInfo[];
  created: { head: boolean; workers: number };
  /** The head was stopped (engine restart, `docker stop`) and was started again, not replaced. */
  resumed: { head: boolean };
  terminated: string[];
  updates: NodeUpdateResult[];
  /** The runtimes' web UIs and addresses on the head. */
  endpoints: Endpoint[];
  /** Lines of the runtimes' own useful commands (with `{file}` filled in by the CLI). */
  usage: string[];
  /** Milliseconds per step (`images`, `nodes`, `update`, `workers`, `total`). */
  timings: Record<string, number>;
  /** Workers whose setup was asked to run again (`--rerun-setup`); the head's controller ran it. */
  rerunWorkers: string[];
}

/** Start a stopped head again; resolves with it as listed once it runs (with its address). */
async function resumeHead(provider: NodeProvider, head: NodeInfo, sink: EventSink): Promise<NodeInfo> {
  const look = provider.hints?.inspectNode(head.id);
  return timedStep(sink, 'nodes', `Start the stopped head ${head.id} again`, async () => {
    await provider.startNodes([head.id], sink);
    const listed = (await provider.listNodes({ kind: 'head' })).find((n) => n.id === head.id);
    if (!listed?.running) {
      throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `head node ${head.id} did not start again`, {
        hint: `${look ? `see why: ${look}; or ` : ''}remove the cluster and start it anew: cloudtik stop <cluster.yaml>`,
      });
    }
    return listed;
  });
}

async function createHead(ctx: ClusterContext, request: NodeLaunchRequest, sink: EventSink): Promise<NodeInfo> {
  const [created] = await ctx.provider.createNodes(request, sink);
  if (!created) throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', 'the head node was not created');
  return created;
}

/**
 * What the cluster needs besides its nodes (the virtual provider's Docker gate) and the head (a
 * kept one, started again when it was stopped, or a new one), made at the same time (the head
 * needs that support only once its controller starts, after this). On failure, what this made
 * goes: the workers launched with a new head, the head, and new support when no node is left.
 */
async function launchHeadAndSupport(
  ctx: ClusterContext,
  keep: NodeInfo | undefined,
  make: { support: () => Promise<{ created: boolean }>; head: () => Promise<NodeInfo>; withHead?: WorkersWithHead },
): Promise<NodeInfo> {
  const [gate, head] = await Promise.allSettled([make.support(), make.head()]);
  if (gate.status === 'fulfilled' && head.status === 'fulfilled') return head.value;
  await make.withHead?.undo();
  if (head.status === 'fulfilled' && !keep) await ctx.provider.terminateNodes([head.value.id], nullSink);
  if (gate.status === 'fulfilled' && gate.value.created && (await ctx.provider.listNodes()).length === 0) {
    await ctx.provider.releaseCluster?.();
  }
  throw gate.status === 'rejected' ? gate.reason : (head as PromiseRejectedResult).reason;
}

/**
 * Run the head's update; when a head made by this start cannot be reached at all (SSH refused,
 * wrong key, changed host key), it is given back and the cluster's local files removed, so a
 * failed first start leaves nothing behind.
 */
async function undoUnreachableHead<T>(
  ctx: ClusterContext,
  created: NodeInfo | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (created && isCloudtikError(err) && err.code === 'ERR_CLOUDTIK_SSH') {
      await ctx.provider.terminateNodes([created.id], nullSink).catch(() => undefined);
      if ((await ctx.provider.listNodes()).length === 0) await ctx.provider.cleanupCluster();
    }
    throw err;
  }
}

/** Stop the kept head's controller before its config changes (its start commands start it again). */
async function stopController(
  ctx: ClusterContext,
  head: NodeInfo,
  redisPassword: string,
  sink: EventSink,
): Promise<void> {
  const r = await ctx.provider
    .commandRunner(head)
    .run({
      command: 'cloudtik node stop --controller',
      env: { ...nodeEnvironment(ctx.config, head, head.ip as string), CLOUDTIK_REDIS_PASSWORD: redisPassword },
    })
    .catch((err: unknown) => ({ exitCode: -1, stdout: '', stderr: String(err) }));
  if (r.exitCode !== 0) logEvent(sink, 'warn', `could not stop the controller on ${head.id}: ${r.stderr.trim()}`);
}

/** What {@link updateHead} needs besides the start's options. */
interface HeadUpdate {
  head: NodeInfo;
  /** Made by this start: given back when it cannot be reached, and its workers' software goes on ahead. */
  created: boolean;
  /** Each worker type's image and launch hash. */
  plan: StartPlan;
  fileMountsHash: string;
  /** What the head and each worker type must end with. */
  targets: { head: TypeTarget; workers: Record<string, TypeTarget> };
  /** Set up the head again though its inputs did not change. */
  force: boolean;
  /** The workers created with a new head (see launchWorkersWithHead), launched with it. */
  withHead?: WorkersWithHead;
  /** What a node can get at most (asked of the provider while the head comes up). */
  host: Promise<HostResources>;
  /** Told once the head's controller config is in place, when workers were launched with the head. */
  onHandOver?: (head: NodeInfo) => void;
}

/**
 * Update the head; once its files are in place, hand over to it the config its controller runs
 * with. A new head's workers get their software meanwhile (see installWorkersAhead), or were
 * created with it (see launchWorkersWithHead) and exist before its controller starts; both are
 * settled, and such workers terminated, before a failure is passed on.
 */
async function updateHead(
  ctx: ClusterContext,
  options: StartOptions,
  u: HeadUpdate,
): Promise<{ update: NodeUpdateResult; workersAhead: Promise<void>; launchedWithHead: boolean }> {
  const { config, sink } = options;
  const { head, plan, fileMountsHash, targets } = u;
  const secrets = await ensureSecrets(ctx.stateDir);
  const host = await u.host;
  // The workers' work beside the head's update ends with a failed head update or with the start (Ctrl-C).
  const ahead = new AbortController();
  const aheadSignal = options.signal ? AbortSignal.any([ahead.signal, options.signal]) : ahead.signal;
  const workersAhead = u.created
    ? installWorkersAhead(ctx, installAheadRequests(config, plan), sink, aheadSignal)
    : Promise.resolve();
  const { withHead } = u;
  // What the head's update and the setups of the workers launched with it share.
  const shared = {
    provider: ctx.provider,
    config,
    headIp: head.ip as string,
    fileMountsHash,
    sink,
    readyTimeoutMs: env.nodeStartWaitSeconds(ctx.module.nodeStartWaitSeconds) * 1000,
    extraEnv: { CLOUDTIK_REDIS_PASSWORD: secrets.redisPassword },
  };
  const withHeadSetups =
    withHead?.setUp((node) =>
      updateNode({
        ...shared,
        node,
        mode: 'full',
        runtimeHash: targets.workers[node.nodeType]?.runtimeHash ?? '',
        inputs: encodeInputParts(targets.workers[node.nodeType]?.inputs ?? {}),
        signal: aheadSignal,
      }),
    ) ?? Promise.resolve();
  const launchedWithHead = (withHead?.count ?? 0) > 0;
  // A new cluster's start holds the head's services nobody waits on until its workers joined (see heldByStart).
  const held: Record<string, string> = launchedWithHead ? { CLOUDTIK_HELD_BY_START: '1' } : {};
  const update = await undoUnreachableHead(ctx, u.created ? head : undefined, () =>
    updateNode({
      ...shared,
      extraEnv: { ...shared.extraEnv, ...held },
      node: head,
      mode: options.mode,
      runtimeHash: targets.head.runtimeHash,
      force: u.force,
      inputs: encodeInputParts(targets.head.inputs),
      signal: options.signal,
      beforeStart: async () => {
        // The controller starts with the head's services: the workers made with the head exist by then (see settled).
        await withHead?.settled();
        // A running controller would act on the new config before the start commands restart it,
        // and the restarted one would then redo a worker setup the old one was running.
        if (!u.created && options.mode !== 'no-restart') await stopController(ctx, head, secrets.redisPassword, sink);
        await writeBootstrap(ctx.stateDir, {
          config: headSideConfig(config),
          images: Object.fromEntries(plan.workers.map((w) => [w.nodeType, w.image])),
          launchHashes: Object.fromEntries(plan.workers.map((w) => [w.nodeType, w.launchHash])),
          runtimeHashes: Object.fromEntries(Object.entries(targets.workers).map(([t, w]) => [t, w.runtimeHash])),
          inputs: Object.fromEntries(Object.entries(targets.workers).map(([t, w]) => [t, encodeInputParts(w.inputs)])),
          fileMountsHash,
          host,
          setUpByStart: { nodes: withHead?.handOver() ?? [], ms: shared.readyTimeoutMs },
        });
        if (launchedWithHead) u.onHandOver?.(head);
        const files = await ctx.provider.clusterStateFiles?.(head, ctx.stateDir);
        return files && installStateCommand(files);
      },
    }).catch(async (err: unknown) => {
      // Settled before a head that cannot be reached is given back (with the connections to every host).
      ahead.abort();
      await Promise.all([workersAhead, withHeadSetups]);
      await withHead?.undo();
      throw err;
    }),
  );
  return {
    update,
    workersAhead: Promise.all([workersAhead, withHead?.launched, withHeadSetups]).then(() => undefined),
    launchedWithHead,
  };
}

/**
 * Create or update a cluster: bring up the head (a new one when its launch config changed), hand
 * the prepared config to it, and update it; its controller then launches and sets up the workers.
 * Unless `wait` is false, return once every worker type has its `min_workers` joined. Safe to
 * re-run at any point: it converges, and two runs at once serialise on the cluster lock. What it
 * creates, keeps and reports is decided in src/core/plan-start (planStart, planHead).
 */
export async function startCluster(options: StartOptions): Promise<StartResult> {
  const { config, sink } = options;
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const ctx = await openCluster(config);
  const plan = planStart(config, packageVersion());
  let t = performance.now();
  const builder = ctx.module.images;
  if (builder) await timedStep(sink, 'images', 'Node images', () => builder.ensure(plan.images, sink));
  timings.images = Math.round(performance.now() - t);

  for (const warning of ctx.module.hints.configWarnings(config)) logEvent(sink, 'warn', warning);
  const fileMountsHash = await fileMountsContentsHash(config.file_mounts);
  const headRequest = plan.headRequest;
  if (!headRequest) {
    throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `head node type ${config.head_node_type} is not defined`);
  }
  const targets = startTargets(config, headSideConfig(config), plan, fileMountsHash);
  // Asked now, answered while the head comes up (an API call on some providers); awaited by the head's update.
  const host = ctx.module.hostResources(config.provider);
  host.catch(() => undefined);
  // Workers launched with a new head are waited for from the head's last start commands on (see beginWorkersWait).
  const workers: EarlyWait | undefined =
    options.wait === false
      ? undefined
      : beginWorkersWait(ctx, {
          sink,
          signal: options.signal,
          timeoutMs: env.nodeStartWaitSeconds(ctx.module.nodeStartWaitSeconds) * 1000,
          noSurplus: true,
        });
  const started = await ctx.provider
    .withClusterLock(sink, () =>
      bringUpHead(ctx, options, {
        plan,
        headRequest,
        fileMountsHash,
        targets,
        timings,
        host,
        onHandOver: (head) => workers?.begin(head),
      }),
    )
    .catch(async (err: unknown) => {
      await workers?.cancel();
      throw err;
    });

  try {
    // Its own step; the head's controller may set those workers up meanwhile (a host install waits for the other).
    await started.workersAhead;
    if (workers) {
      t = performance.now();
      const title = started.launchedWithHead ? 'Workers (launched with the head)' : 'Workers (launched by the head)';
      await timedStep(sink, 'workers', title, () => workers.finish());
      timings.workers = Math.round(performance.now() - t);
    }
  } finally {
    await workers?.cancel();
    if (started.launchedWithHead) await releaseHeadServices(ctx, started.head, sink);
  }
  timings.total = Math.round(performance.now() - t0);
  const final = await ctx.provider.listNodes();
  return {
    cluster: config.cluster_name,
    workspace: config.workspace_name,
    head: final.find((n) => n.id === started.head.id) ?? started.head,
    workers: final.filter((n) => n.kind === 'worker'),
    resumed: { head: started.resumedHead },
    created: { head: started.createdHead, workers: newWorkers(started.workersBefore, final).length },
    terminated: started.terminated,
    updates: [started.update],
    endpoints: runtimeEndpoints(
      config,
      started.head.ip ?? '',
      final.flatMap((n) => (n.kind === 'worker' && n.running && n.ip ? [n.ip] : [])),
    ),
    usage: runtimeUsage(config, '{file}'),
    timings,
    rerunWorkers: started.rerunWorkers,
  };
}

/**
 * Release the head's services this start held (see heldByStart in src/node/manage.ts): once its
 * workers joined, or it failed or was stopped on the way. Best effort: services not released
 * start on their own after their hold's time.
 */
async function releaseHeadServices(ctx: ClusterContext, head: NodeInfo, sink: EventSink): Promise<void> {
  try {
    const store = await openHeadStore(ctx, head, { connectTimeoutMs: 1000 });
    try {
      await store.releaseServices();
    } finally {
      await store.close();
    }
  } catch (err) {
    logEvent(sink, 'debug', `the head's services were not released (they start on their own): ${String(err)}`);
  }
}

/** What {@link bringUpHead} acts on. */
interface HeadStart {
  plan: StartPlan;
  headRequest: NodeLaunchRequest;
  fileMountsHash: string;
  targets: { head: TypeTarget; workers: Record<string, TypeTarget> };
  /** Filled with the `nodes` and `update` steps' milliseconds. */
  timings: Record<string, number>;
  host: Promise<HostResources>;
  onHandOver?: (head: NodeInfo) => void;
}

interface HeadStarted {
  head: NodeInfo;
  update: NodeUpdateResult;
  /** Workers' software installed, or workers launched, beside the new head's update. */
  workersAhead: Promise<void>;
  launchedWithHead: boolean;
  createdHead: boolean;
  resumedHead: boolean;
  terminated: string[];
  rerunWorkers: string[];
  /** The workers there were when start looked, under the cluster lock. */
  workersBefore: NodeInfo[];
}

/** What start does, decided from one look at the cluster under its lock (see decideStart). */
function decide(options: StartOptions, s: HeadStart, nodes: NodeInfo[]): StartDecision {
  return decideStart({
    config: options.config,
    mode: options.mode,
    nodes,
    head: s.targets.head,
    workers: s.targets.workers,
    fileMountsHash: s.fileMountsHash,
    rerun: options.rerun,
    workspaceExists: true,
    missingImages: [],
    now: Date.now(),
  });
}

/**
 * Under the cluster lock: remove the heads the decision retires, make the cluster's support and
 * the head (kept, started again or new), update the head, and ask the head's controller to set up
 * again the workers `--rerun-setup` names.
 */
async function bringUpHead(ctx: ClusterContext, options: StartOptions, s: HeadStart): Promise<HeadStarted> {
  const { sink } = options;
  const { plan, timings } = s;
  let t = performance.now();
  const nodes = await ctx.provider.listNodes();
  const decision = decide(options, s, nodes);
  if (decision.unknownIps.length > 0) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_USAGE',
      `no node of the cluster has the address ${decision.unknownIps.join(', ')}`,
      {
        hint: 'see the nodes and their addresses: cloudtik status <cluster.yaml>',
      },
    );
  }
  const headPlan = decision.headPlan;
  if (headPlan.terminate.length > 0) {
    await timedStep(sink, 'terminate', `Remove ${headPlan.terminate.length} outdated or dead head node(s)`, () =>
      ctx.provider.terminateNodes(
        headPlan.terminate.map((n) => n.id),
        sink,
      ),
    );
  }
  const kept = headPlan.head;
  const prepare = ctx.provider.prepareCluster?.bind(ctx.provider);
  // A new head's first workers are created at the same time as it: their pods start together.
  const withHead = kept
    ? undefined
    : launchWorkersWithHead(
        ctx,
        withHeadRequests(
          options.config,
          plan,
          nodes.filter((n) => n.kind === 'worker'),
        ),
        sink,
      );
  const head = await launchHeadAndSupport(ctx, kept, {
    support: () =>
      prepare
        ? timedStep(sink, 'gate', ctx.module.hints.clusterSupport, () => prepare(plan.support, sink))
        : Promise.resolve({ created: false }),
    head: kept
      ? () => (headPlan.resume ? resumeHead(ctx.provider, kept, sink) : Promise.resolve(kept))
      : () => timedStep(sink, 'nodes', 'Launch head', () => createHead(ctx, s.headRequest, sink)),
    withHead,
  });
  timings.nodes = Math.round(performance.now() - t);
  if (!head.ip) {
    await withHead?.undo();
    throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `head node ${head.id} has no address on the workspace network`);
  }

  t = performance.now();
  const { update, workersAhead, launchedWithHead } = await updateHead(ctx, options, {
    head,
    created: headPlan.head === undefined,
    plan,
    fileMountsHash: s.fileMountsHash,
    targets: s.targets,
    force: decision.forceHeadSetup,
    withHead,
    host: s.host,
    onHandOver: s.onHandOver,
  });
  timings.update = Math.round(performance.now() - t);
  // The controller sets up a worker whose runtime tag matches no hash, and start waits for it.
  for (const id of decision.rerunWorkers) await ctx.provider.setTags(id, { [TAG.runtimeConfig]: RERUN_SETUP });
  return {
    workersAhead,
    launchedWithHead,
    head,
    update,
    createdHead: headPlan.head === undefined,
    resumedHead: headPlan.resume,
    terminated: headPlan.terminate.map((n) => n.id),
    rerunWorkers: decision.rerunWorkers,
    workersBefore: nodes.filter((n) => n.kind === 'worker'),
  };
}
