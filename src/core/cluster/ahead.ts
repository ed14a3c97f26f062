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

/** How long the head's services wait for the workers launched with it (pods: under a second). */
const WITH_HEAD_WAIT_MS = 10_000;

/** Workers created with the head (see {@link launchWorkersWithHead}). */
export interface WorkersWithHead {
  /** How many workers it launches (none where the provider does not, or the cluster has them). */
  count: number;
  /** Settles once every launch ended; the nodes it made (a failed launch made none). */
  launched: Promise<NodeInfo[]>;
  /**
   * Wait until the launches ended, for a while at most: pods that wait for room (or for a node a
   * cluster autoscaler adds) must not hold back the head's services; the controller then finds
   * them pending and counts them.
   */
  settled(): Promise<void>;
  /** Terminate what the launches made (the head's update failed: nothing of this start stays half made). */
  undo(): Promise<void>;
  /**
   * Set each worker up with `update` as soon as its launch ended, beside the head's update.
   * Workers launched after {@link handOver} are left to the head's controller. Never rejects: a
   * failed setup is a warning (the worker is left `update-failed`, and the controller replaces it).
   */
  setUp(update: (node: NodeInfo) => Promise<unknown>): Promise<void>;
  /** The ids {@link setUp} sets up (for the controller to leave alone); later launches are the controller's. */
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
  const launched = Promise.all(
    requests.map((request) =>
      ctx.provider.createNodes(request, nullSink).catch((err: unknown) => {
        logEvent(sink, 'warn', `launching ${request.nodeType} workers with the head failed: ${errorMessage(err)}`);
        return [];
      }),
    ),
  ).then((made) => made.flat());
  const count = requests.reduce((n, r) => n + r.count, 0);
  if (count > 0) logEvent(sink, 'info', `Launching ${count} worker(s) with the head`);
  const undo = async (): Promise<void> => {
    const ids = (await launched).map((n) => n.id);
    if (ids.length > 0) await ctx.provider.terminateNodes(ids, sink).catch(() => undefined);
  };
  let handedOver = false;
  const claimed: string[] = [];
  const setUp = async (update: (node: NodeInfo) => Promise<unknown>): Promise<void> => {
    const nodes = await launched;
    if (handedOver) return;
    claimed.push(...nodes.map((n) => n.id));
    await Promise.all(
      nodes.map((node) =>
        update(node).catch((err: unknown) =>
          logEvent(sink, 'warn', `setup of ${node.id} failed: ${errorMessage(err)}`),
        ),
      ),
    );
  };
  const handOver = (): string[] => {
    handedOver = true;
    return [...claimed];
  };
  const settled = (): Promise<void> =>
    withDeadline(
      async (signal) => {
        await Promise.race([launched, once(signal, 'abort')]);
      },
      { ms: WITH_HEAD_WAIT_MS, expired: () => new Error('still launching') },
    ).catch(() => logEvent(sink, 'debug', 'the head starts while its first workers are still launching'));
  return { count, launched, settled, undo, setUp, handOver };
}
