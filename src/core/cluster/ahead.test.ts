import { describe, expect, it } from 'vitest';
import type { ClusterConfig, NodeTypeConfig } from '../../config/types.js';
import type { NodeInfo, NodeLaunchRequest, NodeProvider } from '../../providers/provider.js';
import type { CoreEvent, EventSink } from '../events.js';
import { withHeadRequests, type StartPlan } from '../plan-start/plan.js';
import { launchWorkersWithHead } from './ahead.js';
import type { ClusterContext } from './context.js';

function type(min: number, max: number): NodeTypeConfig {
  return { node_config: { size: `${min}-${max}` }, min_workers: min, max_workers: max, resources: {} };
}

const config = {
  cluster_name: 'c',
  head_node_type: 'head.default',
  available_node_types: {
    'head.default': type(0, 0),
    'worker.small': type(2, 8),
    'worker.capped': type(5, 1),
    'worker.none': type(0, 4),
  },
} as unknown as ClusterConfig;
const WORKER_TYPES = ['worker.small', 'worker.capped', 'worker.none'];

/** A provider that records launches and terminations; `fail` names node types whose launch fails. */
function recorder(opts: { withHead: boolean; fail?: string[] }) {
  const launched: NodeLaunchRequest[] = [];
  const terminated: string[][] = [];
  const provider = {
    launchesWorkersWithHead: opts.withHead,
    createNodes: (request: NodeLaunchRequest): Promise<NodeInfo[]> => {
      launched.push(request);
      if (opts.fail?.includes(request.nodeType)) return Promise.reject(new Error('no room'));
      return Promise.resolve(
        Array.from({ length: request.count }, (_, i) => ({ id: `${request.nodeType}-${i}` }) as NodeInfo),
      );
    },
    terminateNodes: (ids: string[]): Promise<void> => {
      terminated.push(ids);
      return Promise.resolve();
    },
  } as unknown as NodeProvider;
  return { ctx: { provider } as ClusterContext, launched, terminated };
}

/** A start plan whose worker images and launch hashes name their type. */
const plan = {
  workers: WORKER_TYPES.map((t) => ({ nodeType: t, image: `img:worker:${t}`, launchHash: `h:worker:${t}` })),
} as StartPlan;

/** Launch the workers a new head's start plans (those not in `workers` already). */
function withHead(r: ReturnType<typeof recorder>, sink: EventSink, workers: NodeInfo[] = []) {
  return launchWorkersWithHead(r.ctx, withHeadRequests(config, plan, workers), sink);
}

describe('launchWorkersWithHead', () => {
  it('launches nothing for a provider that does not launch workers with the head', async () => {
    const r = recorder({ withHead: false });
    const w = withHead(r, () => undefined);
    expect(w.count).toBe(0);
    expect(await w.launched).toEqual([]);
    expect(r.launched).toEqual([]);
  });

  it('launches the first workers as the controller would, with its image and launch hash, and undoes them', async () => {
    const r = recorder({ withHead: true });
    const events: CoreEvent[] = [];
    const w = withHead(r, (e) => events.push(e));
    expect(w.count).toBe(3);
    await w.settled();
    expect((await w.launched).map((n) => n.id)).toEqual(['worker.small-0', 'worker.small-1', 'worker.capped-0']);
    expect(r.launched.map(({ onCreated: _, ...rest }) => rest)).toEqual([
      {
        kind: 'worker',
        nodeType: 'worker.small',
        nodeConfig: { size: '2-8' },
        image: 'img:worker:worker.small',
        launchHash: 'h:worker:worker.small',
        count: 2,
        seqIdFrom: 2,
      },
      {
        kind: 'worker',
        nodeType: 'worker.capped',
        nodeConfig: { size: '5-1' },
        image: 'img:worker:worker.capped',
        launchHash: 'h:worker:worker.capped',
        count: 1,
        seqIdFrom: 4,
      },
    ]);
    expect(events).toContainEqual({
      type: 'log',
      level: 'info',
      message: 'Launching 3 worker(s) with the head',
    });
    await w.undo();
    expect(r.terminated).toEqual([['worker.small-0', 'worker.small-1', 'worker.capped-0']]);
  });

  it('launches only what the workers the cluster has already leave missing', async () => {
    const r = recorder({ withHead: true });
    const kept = [{ id: 'old-1', nodeType: 'worker.small' } as NodeInfo];
    const w = withHead(r, () => undefined, kept);
    expect((await w.launched).map((n) => n.id)).toEqual(['worker.small-0', 'worker.capped-0']);
    expect(r.launched.map((l) => [l.nodeType, l.count])).toEqual([
      ['worker.small', 1],
      ['worker.capped', 1],
    ]);
    const full = [...kept, { id: 'old-2', nodeType: 'worker.small' }, { id: 'old-3', nodeType: 'worker.capped' }];
    const none = recorder({ withHead: true });
    const w2 = withHead(none, () => undefined, full as NodeInfo[]);
    expect(w2.count).toBe(0);
    expect(await w2.launched).toEqual([]);
    expect(none.launched).toEqual([]);
  });

  it('turns a failed launch into a warning and leaves its workers to the controller', async () => {
    const r = recorder({ withHead: true, fail: ['worker.small'] });
    const events: CoreEvent[] = [];
    const w = withHead(r, (e) => events.push(e));
    expect((await w.launched).map((n) => n.id)).toEqual(['worker.capped-0']);
    expect(events).toContainEqual({
      type: 'log',
      level: 'warn',
      message: 'launching worker.small workers with the head failed: no room',
    });
  });

  it('sets up the workers launched before the hand-over, turns a failed setup into a warning, and names them', async () => {
    const r = recorder({ withHead: true });
    const events: CoreEvent[] = [];
    const w = withHead(r, (e) => events.push(e));
    const updated: string[] = [];
    await w.setUp((node) => {
      updated.push(node.id);
      return node.id === 'worker.capped-0' ? Promise.reject(new Error('exit 1')) : Promise.resolve();
    });
    expect(updated).toEqual(['worker.small-0', 'worker.small-1', 'worker.capped-0']);
    expect(events).toContainEqual({ type: 'log', level: 'warn', message: 'setup of worker.capped-0 failed: exit 1' });
    expect(w.handOver()).toEqual(['worker.small-0', 'worker.small-1', 'worker.capped-0']);
  });

  it('leaves workers launched after the hand-over to the controller', async () => {
    const r = recorder({ withHead: true });
    const w = withHead(r, () => undefined);
    expect(w.handOver()).toEqual([]);
    const updated: string[] = [];
    await w.setUp((node) => Promise.resolve(updated.push(node.id)));
    expect(updated).toEqual([]);
  });

  it('lets the head start once its workers exist, and sets those up once they run', async () => {
    let run = (): void => undefined;
    const running = new Promise<void>((resolve) => (run = resolve));
    let failLate = false;
    const provider = {
      launchesWorkersWithHead: true,
      createNodes: async (request: NodeLaunchRequest): Promise<NodeInfo[]> => {
        const ids = Array.from({ length: request.count }, (_, i) => `${request.nodeType}-${i}`);
        request.onCreated?.(ids);
        await running;
        if (failLate && request.nodeType === 'worker.capped') throw new Error('pod vanished');
        return ids.map((id) => ({ id }) as NodeInfo);
      },
    } as unknown as NodeProvider;
    const events: CoreEvent[] = [];
    const w = launchWorkersWithHead({ provider } as ClusterContext, withHeadRequests(config, plan, []), (e) =>
      events.push(e),
    );
    let launchedYet = false;
    void w.launched.then(() => (launchedYet = true));
    await w.settled();
    expect(launchedYet).toBe(false);
    expect(w.handOver()).toEqual(['worker.small-0', 'worker.small-1', 'worker.capped-0']);
    const updated: string[] = [];
    const setUp = w.setUp((node) => Promise.resolve(updated.push(node.id)));
    await new Promise((r) => setTimeout(r, 20));
    expect(updated).toEqual([]);
    failLate = true;
    run();
    await setUp;
    // The one whose launch failed after it was created is not set up (the controller replaces it).
    expect(updated).toEqual(['worker.small-0', 'worker.small-1']);
    expect(events).toContainEqual({
      type: 'log',
      level: 'warn',
      message: 'launching worker.capped workers with the head failed: pod vanished',
    });
  });
});
