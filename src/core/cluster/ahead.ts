/**
 * What a new cluster's start does for its workers while its head is set up, before the head's
 * controller takes over: install their software on the machines they will take (listed hosts),
 * or create them outright (pods) and set them up beside the head.
 */
import { once } from 'node:events';
import type { InstallAheadRequest, NodeInfo, NodeLaunchRequest } from '../../providers/provider.js';
import { withDeadline } from '../deadline.js';
import { errorMessage, logEvent, nullSink, timedStep, type EventSink } from '../events.js';
import type { ClusterContext } from './context.js';

/**
 * A new cluster's workers get their software while its head is set up, on the machines their
 * launches will take (providers that install on machines: see NodeProvider.installAhead). The
 * head's controller may launch and set them up before this ends: an install on a host waits for
 * the one under way there, then finds its layers in place. Never rejects. Which machines:
 * installAheadRequests (src/core/plan-start).
 */
export function installWorkersAhead(
  ctx: ClusterContext,
  requests: readonly InstallAheadRequest[],
  sink: EventSink,
  signal: AbortSignal,
): Promise<void> {
  const install = ctx.provider.installAhead?.bind(ctx.provider);
  if (!install || requests.length === 0) return Promise.resolve();
  const hosts = requests.reduce((n, r) => n + r.count, 0);
  return timedStep(sink, 'ahead', `Install the software of ${hosts} worker(s) ahead`, () =>
    install(requests, sink, signal),
  ).catch((err: unknown) => logEvent(sink, 'warn', `installing worker software ahead failed: ${errorMessage(err)}`));
}

/** How long the head's services wait for the workers launched with it to be created (pods: a few requests). */
const WITH_HEAD_WAIT_MS = 10_000;

/** Workers created with the head (see {@link launchWorkersWithHead}). */
export interface WorkersWithHead {
  /** How many workers it launches (none where the provider does not, or the cluster has them). */
  count: number;
  /** Settles once every launch ended (its nodes run, or it failed); the nodes it made (a failed launch made none). */
  launched: Promise<NodeInfo[]>;
  /**
   * Wait until every launch has created its nodes (or failed), for a while at most, not until they
   * run: the head's services then start beside the workers' own start, and the controller, told
   * which workers start sets up (see handOver), finds the rest and counts them.
   */
  settled(): Promise<void>;
  /** Terminate what the launches made (the head's update failed: nothing of this start stays half made). */
  undo(): Promise<void>;
  /**
   * Set up each worker created before {@link handOver} with `update` once its launch ended (it
   * runs), beside the head's update; the others are the head's controller's. Never rejects: a
   * failed setup is a warning (the worker is left `update-failed`, and the controller replaces it).
   */
  setUp(update: (node: NodeInfo) => Promise<unknown>): Promise<void>;
  /** The ids created so far, which {@link setUp} sets up (for the controller to leave alone); later ones are the controller's. */
  handOver(): string[];
}

/**
 * A new cluster's min_workers, less the workers it has already, created while its head is set
 * up, with the tags the head's controller gives its own launches (providers with
 * {@link NodeProvider.launchesWorkersWithHead}). Start sets them up beside the head (see
 * WorkersWithHead.setUp) and tells the controller which ones it does; the controller sets up any
 * other it finds. A failed launch is a warning: the controller launches what is missing. Never
 * rejects. Which workers: withHeadRequests (src/core/plan-start).
 */
export function launchWorkersWithHead(
  ctx: ClusterContext,
  planned: readonly NodeLaunchRequest[],
  sink: EventSink,
): WorkersWithHead {
  const requests = ctx.provider.launchesWorkersWithHead ? planned : [];
  const created: string[] = [];
  const launches = requests.map((request) => launchOne(ctx, request, sink, (ids) => created.push(...ids)));
  const launched = Promise.all(launches.map((l) => l.done)).then((made) => made.flat());
  const allCreated = Promise.all(launches.map((l) => l.created));
  const count = requests.reduce((n, r) => n + r.count, 0);
  if (count > 0) logEvent(sink, 'info', `Launching ${count} worker(s) with the head`);
  const undo = async (): Promise<void> => {
    const ids = (await launched).map((n) => n.id);
    if (ids.length > 0) await ctx.provider.terminateNodes(ids, sink).catch(() => undefined);
  };
  let handedOver: ReadonlySet<string> | undefined;
  const setUp = async (update: (node: NodeInfo) => Promise<unknown>): Promise<void> => {
    const nodes = await launched;
    const mine = nodes.filter((n) => handedOver?.has(n.id) ?? true);
    await Promise.all(
      mine.map((node) =>
        update(node).catch((err: unknown) =>
          logEvent(sink, 'warn', `setup of ${node.id} failed: ${errorMessage(err)}`),
        ),
      ),
    );
  };
  const handOver = (): string[] => {
    handedOver ??= new Set(created);
    return [...handedOver];
  };
  const settled = (): Promise<void> =>
    withDeadline(
      async (signal) => {
        await Promise.race([allCreated, once(signal, 'abort')]);
      },
      { ms: WITH_HEAD_WAIT_MS, expired: () => new Error('still launching') },
    ).catch(() => logEvent(sink, 'debug', 'the head starts while its first workers are still being created'));
  return { count, launched, settled, undo, setUp, handOver };
}

/** One launch: `created` settles once its nodes exist (or it failed), `done` once they run (or none: it failed). */
function launchOne(
  ctx: ClusterContext,
  request: NodeLaunchRequest,
  sink: EventSink,
  onCreated: (ids: readonly string[]) => void,
): { created: Promise<void>; done: Promise<NodeInfo[]> } {
  let markCreated = (): void => undefined;
  const created = new Promise<void>((resolve) => (markCreated = resolve));
  let told = false;
  const tell = (ids: readonly string[]): void => {
    told = true;
    onCreated(ids);
    markCreated();
  };
  const done = ctx.provider
    .createNodes({ ...request, onCreated: tell }, nullSink)
    // A provider that does not say when its nodes exist: once they run.
    .then((nodes) => (told ? nodes : (tell(nodes.map((n) => n.id)), nodes)))
    .catch((err: unknown) => {
      logEvent(sink, 'warn', `launching ${request.nodeType} workers with the head failed: ${errorMessage(err)}`);
      return [];
    })
    .finally(markCreated);
  return { created, done };
}
