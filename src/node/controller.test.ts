import { describe, expect, it } from 'vitest';
import type { ControllerBootstrap } from '../core/cluster/bootstrap.js';
import type { Clock } from '../core/clock.js';
import { MemoryStateStore } from '../core/state/store.js';
import type { NodeUpdateOptions } from '../core/updater/node-updater.js';
import {
  TAG,
  type NodeInfo,
  type NodeLaunchRequest,
  type NodeStart,
  type TeardownRetry,
} from '../providers/provider.js';
import type { ClusterConfig } from '../config/types.js';
import { ClusterController, TEARDOWN_RETRY_MS } from './controller.js';

const W = 'worker.default';

const config = {
  cluster_name: 'c',
  workspace_name: 'w',
  max_workers: 4,
  head_node_type: 'head.default',
  provider: { type: 'virtual' },
  auth: { ssh_user: 'ubuntu' },
  file_mounts: {},
  options: { upscaling_speed: 1, idle_timeout_minutes: 5 },
  runtime: { types: [] },
  merged_commands: {},
  available_node_types: {
    'head.default': { node_config: {}, min_workers: 0, max_workers: 0, resources: { CPU: 2 } },
    [W]: { node_config: {}, min_workers: 2, max_workers: 4, resources: { CPU: 2 } },
  },
} as unknown as ClusterConfig;

const bootstrap: ControllerBootstrap = {
  format: 1,
  writtenAt: 0,
  config,
  images: { [W]: 'cloudtik/cloudtik:test' },
  launchHashes: { [W]: 'launch-hash' },
  fileMountsHash: 'mounts',
};

/**
 * Nodes kept in memory. `createNodes` makes its nodes visible (running, `uninitialized`) one at a
 * time and returns only when `release()` is called, as a slow container engine would.
 */
class SlowProvider {
  readonly clusterName = 'c';
  readonly workspaceName = 'w';
  readonly nodes = new Map<string, NodeInfo>();
  private seq = 1;
  release: () => void = () => undefined;

  listNodes = (): Promise<NodeInfo[]> => Promise.resolve([...this.nodes.values()]);
  /** Made nodes wait this long before they run (a pod whose image is pulled), as `pending`; 0: they run at once. */
  pendingMs = 0;

  createNodes = async (request: NodeLaunchRequest): Promise<NodeInfo[]> => {
    const made: NodeInfo[] = [];
    const pending = this.pendingMs > 0;
    for (let i = 0; i < request.count; i++) {
      const id = `n${++this.seq}`;
      const node: NodeInfo = {
        id,
        kind: 'worker',
        nodeType: request.nodeType,
        seqId: this.seq,
        ip: pending ? undefined : `10.0.0.${this.seq}`,
        state: pending ? 'pending' : 'running',
        running: !pending,
        createdAt: Date.now() - this.pendingMs,
        tags: { [TAG.nodeStatus]: 'uninitialized', [TAG.launchConfig]: request.launchHash },
        limits: { cpus: 1, memoryBytes: 2 ** 30 },
      };
      this.nodes.set(id, node);
      made.push(node);
    }
    request.onCreated?.(made.map((n) => n.id));
    await new Promise<void>((resolve) => (this.release = resolve));
    for (const n of made) Object.assign(n, { state: 'running', running: true, ip: `10.0.0.${n.seqId}` });
    return made;
  };
  terminateNodes = (ids: string[]): Promise<void> => {
    for (const id of ids) this.nodes.delete(id);
    return Promise.resolve();
  };
  killNode = (): Promise<void> => Promise.resolve();
  startNodes = (ids: string[]): Promise<void> => {
    for (const id of ids) {
      const n = this.nodes.get(id);
      if (n) Object.assign(n, { running: true, state: 'running' });
    }
    return Promise.resolve();
  };
  nodeStarts = (): Promise<Map<string, NodeStart>> => Promise.resolve(new Map<string, NodeStart>());
  setTags = (id: string, tags: Record<string, string>): Promise<void> => {
    const n = this.nodes.get(id);
    if (n) n.tags = { ...n.tags, ...tags };
    return Promise.resolve();
  };
  commandRunner = (): never => {
    throw new Error('no commands in this test');
  };
  cleanupCluster = (): Promise<void> => Promise.resolve();
  withClusterLock = <T>(_sink: unknown, fn: () => Promise<T>): Promise<T> => fn();
}

/** A running worker `wN` of the current launch, with these tags besides its launch hash. */
function addWorker(provider: SlowProvider, id: string, tags: Record<string, string>): void {
  provider.nodes.set(id, {
    id,
    kind: 'worker',
    nodeType: W,
    seqId: Number(id.slice(1)) + 1,
    ip: `10.0.0.${id.slice(1)}`,
    state: 'running',
    running: true,
    createdAt: 0,
    tags: { [TAG.launchConfig]: 'launch-hash', ...tags },
    limits: { cpus: 1, memoryBytes: 2 ** 30 },
  });
}

const silentLog = { info() {}, warn() {}, error() {}, debug() {} };

/** What the node updater leaves on a node it brought up. */
function upToDate(provider: SlowProvider): (o: NodeUpdateOptions) => Promise<undefined> {
  return (o) =>
    provider
      .setTags(o.node.id, {
        [TAG.nodeStatus]: 'up-to-date',
        [TAG.runtimeConfig]: o.runtimeHash ?? '',
        [TAG.fileMountsContents]: o.fileMountsHash ?? '',
      })
      .then(() => undefined);
}

/** A controller over `provider` whose node updates are recorded in `updates` and leave nodes up-to-date. */
function recordingController(
  provider: SlowProvider,
  updates: string[],
  over: { bootstrap?: ControllerBootstrap; clock?: Clock } = {},
): ClusterController {
  return new ClusterController({
    provider,
    store: new MemoryStateStore(),
    loadBootstrap: () => Promise.resolve({ bootstrap: over.bootstrap ?? bootstrap, hash: 'h' }),
    updateNode: (o: NodeUpdateOptions) => {
      updates.push(o.node.id);
      return upToDate(provider)(o);
    },
    headIp: '10.0.0.1',
    nodeEnv: {},
    log: silentLog,
    heartbeatTimeoutMs: 30_000,
    readyTimeoutMs: 60_000,
    ...(over.clock ? { clock: over.clock } : {}),
  });
}

/** A provider whose hosts given back while silent answer when the test says so. */
class SilentHostsProvider extends SlowProvider {
  silent = ['10.0.0.7'];
  answering = false;
  retries = 0;
  /** Resolves the retry in progress. */
  finishRetry: () => void = () => undefined;
  retryTeardowns = async (): Promise<TeardownRetry> => {
    this.retries++;
    await new Promise<void>((resolve) => (this.finishRetry = resolve));
    const r = this.answering ? { stopped: this.silent, unanswered: [] } : { stopped: [], unanswered: this.silent };
    if (this.answering) this.silent = [];
    return r;
  };
}

describe('ClusterController: hosts given back', () => {
  it('reports a host given back while silent, retries it every 30 s, and says when it answers again', async () => {
    const provider = new SilentHostsProvider();
    let now = 1_000_000;
    const store = new MemoryStateStore();
    const controller = new ClusterController({
      provider,
      store,
      clock: { now: () => now, sleep: () => Promise.resolve() },
      loadBootstrap: () => Promise.resolve({ bootstrap, hash: 'h' }),
      updateNode: upToDate(provider),
      headIp: '10.0.0.1',
      nodeEnv: {},
      log: silentLog,
      heartbeatTimeoutMs: 30_000,
      readyTimeoutMs: 60_000,
    });
    // The first pass launches 2 workers: no retry while a launch may hand out hosts.
    await controller.pass();
    expect(provider.retries).toBe(0);
    provider.release();
    await controller.settle();

    await controller.pass();
    expect(provider.retries).toBe(1);
    provider.nodes.delete([...provider.nodes.keys()][0]!); // a worker gone: its launch waits for the retry
    await controller.pass();
    await Promise.resolve();
    expect(provider.nodes.size).toBe(1);
    provider.finishRetry();
    await new Promise((r) => setTimeout(r, 0));
    expect(provider.nodes.size).toBe(2);
    provider.release();
    await controller.settle();
    const warned = (await store.events(50)).filter((e) => e.kind === 'warning' && e.nodeIds?.includes('10.0.0.7'));
    expect(warned.map((e) => e.message)).toEqual([
      "host 10.0.0.7 does not answer: it was given back with the cluster's services maybe still running there; trying again every 30s",
    ]);
    now += 45_000;
    const status = await controller.pass();
    expect(status.messages).toContain(
      'host 10.0.0.7 does not answer (for 45s): its services could not be stopped; retrying',
    );
    expect(provider.retries).toBe(2);
    provider.finishRetry();
    await controller.settle();
    await controller.pass(); // within 30 s of the last try: none now
    expect(provider.retries).toBe(2);

    provider.answering = true;
    now += TEARDOWN_RETRY_MS;
    await controller.pass();
    provider.finishRetry();
    await controller.settle();
    const events = await store.events(50);
    expect(events.filter((e) => e.kind === 'warning')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({
      kind: 'terminate',
      nodeIds: ['10.0.0.7'],
      message: "host 10.0.0.7 answers again: the cluster's services there are stopped and it is free again",
    });
    expect((await controller.pass()).messages.filter((m) => m.includes('10.0.0.7'))).toEqual([]);
  });
});

describe('ClusterController: launches', () => {
  it('leaves the nodes of a launch still in flight to that launch: one setup per new node', async () => {
    const provider = new SlowProvider();
    const updates: string[] = [];
    const controller = recordingController(provider, updates);

    await controller.pass(); // launches 2 workers; their containers exist, the batch is not done
    expect(provider.nodes.size).toBe(2);
    await controller.pass(); // sees them running and `uninitialized` while the launch is in flight
    expect(updates).toEqual([]);

    provider.release();
    await controller.settle();
    expect(updates.sort()).toEqual([...provider.nodes.keys()].sort());

    // Up-to-date now: a later pass leaves them alone.
    await controller.pass();
    await controller.settle();
    expect(updates).toHaveLength(2);
  });

  it('leaves alone the nodes of a launch that waits minutes for them to run (no pass retires them as not running)', async () => {
    const provider = new SlowProvider();
    provider.pendingMs = 10 * 60_000; // far past the grace a created node gets
    const updates: string[] = [];
    const controller = recordingController(provider, updates);

    await controller.pass(); // launches 2 workers, which stay pending
    await controller.pass();
    await controller.pass();
    // Both still there (a retired node leaves the provider's list).
    expect([...provider.nodes.values()].map((n) => n.state)).toEqual(['pending', 'pending']);

    provider.release();
    await controller.settle();
    expect(updates.sort()).toEqual([...provider.nodes.keys()].sort());
  });
});

describe('ClusterController: workers set up by start', () => {
  /** Two running workers of the current launch, `setting-up` (start's setup of them is under way). */
  function settingUp(provider: SlowProvider): void {
    for (const id of ['w1', 'w2']) addWorker(provider, id, { [TAG.nodeStatus]: 'setting-up' });
  }

  /** w1 and w2 being set up, w1 by start (its window 60 s); a clock the test moves (`at.now`). */
  function scene() {
    const provider = new SlowProvider();
    settingUp(provider);
    const updates: string[] = [];
    const at = { now: 1_000 };
    const controller = recordingController(provider, updates, {
      bootstrap: { ...bootstrap, setUpByStart: { nodes: ['w1'], ms: 60_000 } },
      clock: { now: () => at.now, sleep: () => Promise.resolve() },
    });
    return { provider, updates, at, controller };
  }

  it('leaves the workers start sets up alone while their setup runs, and sets up the others', async () => {
    const { provider, updates, at, controller } = scene();

    const status = await controller.pass();
    await controller.settle();
    // w2 is not on start's list: a setup with no updater running, the controller's to do.
    expect(updates).toEqual(['w2']);
    expect(status.workers.find((n) => n.id === 'w1')?.action).toMatch(/set up by start/);
    expect(provider.nodes.size).toBe(2); // nothing launched in place of a worker being set up

    // Start's setup of w1 ends as the controller's of w2 did: nothing more to do.
    await provider.setTags('w1', { ...provider.nodes.get('w2')?.tags });
    at.now += 1_000;
    await controller.pass();
    await controller.settle();
    expect(updates).toEqual(['w2']);
  });

  it('sets up a listed worker whose setup did not end within the window (start was killed)', async () => {
    const { updates, at, controller } = scene();
    await controller.pass();
    await controller.settle();
    expect(updates).toEqual(['w2']);

    at.now += 60_001;
    await controller.pass();
    await controller.settle();
    // (w2, silent since, has its start commands run again: no agent beats in this test.)
    expect(updates.filter((id) => id === 'w1')).toHaveLength(1);
  });
});

describe('ClusterController: a setup that ends while a pass looks', () => {
  it('does not set up again a worker whose setup ended after the pass listed it as setting-up', async () => {
    const provider = new SlowProvider();
    for (const [id, status] of [
      ['w1', 'setting-up'],
      ['w2', 'up-to-date'],
    ] as const) {
      addWorker(provider, id, {
        [TAG.nodeStatus]: status,
        [TAG.runtimeConfig]: '',
        [TAG.fileMountsContents]: 'mounts',
      });
    }
    const updates: string[] = [];
    let finish: () => Promise<void> = () => Promise.resolve();
    const controller = new ClusterController({
      provider,
      store: new MemoryStateStore(),
      // (The runtime hash the workers' tags have: nothing else to set up.)
      loadBootstrap: () => Promise.resolve({ bootstrap: { ...bootstrap, runtimeHashes: { [W]: '' } }, hash: 'h' }),
      updateNode: (o: NodeUpdateOptions) => {
        updates.push(o.node.id);
        return new Promise((resolve) => (finish = () => upToDate(provider)(o).then(resolve)));
      },
      headIp: '10.0.0.1',
      nodeEnv: {},
      log: silentLog,
      heartbeatTimeoutMs: 30_000,
      readyTimeoutMs: 60_000,
    });
    await controller.pass(); // w1: setting-up with no updater running: the controller sets it up
    expect(updates).toEqual(['w1']);

    // The next pass lists w1 as setting-up; its setup ends before the pass decides.
    const list = provider.listNodes;
    provider.listNodes = async () => {
      const seen = [...provider.nodes.values()].map((n) => ({ ...n }));
      await finish();
      await new Promise((r) => setTimeout(r, 0));
      return seen;
    };
    await controller.pass();
    provider.listNodes = list;
    expect(updates).toEqual(['w1']);
    await controller.settle();
    expect(provider.nodes.get('w1')?.tags[TAG.nodeStatus]).toBe('up-to-date');
  });
});
