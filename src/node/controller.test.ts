import { describe, expect, it } from 'vitest';
import type { ControllerBootstrap } from '../core/cluster/bootstrap.js';
import { MemoryStateStore } from '../core/state/store.js';
import type { NodeUpdateOptions } from '../core/updater/node-updater.js';
import { TAG, type NodeInfo, type NodeLaunchRequest, type NodeStart } from '../providers/provider.js';
import type { ClusterConfig } from '../config/types.js';
import { ClusterController } from './controller.js';

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
  createNodes = async (request: NodeLaunchRequest): Promise<NodeInfo[]> => {
    const made: NodeInfo[] = [];
    for (let i = 0; i < request.count; i++) {
      const id = `n${++this.seq}`;
      const node: NodeInfo = {
        id,
        kind: 'worker',
        nodeType: request.nodeType,
        seqId: this.seq,
        ip: `10.0.0.${this.seq}`,
        state: 'running',
        running: true,
        createdAt: Date.now(),
        tags: { [TAG.nodeStatus]: 'uninitialized', [TAG.launchConfig]: request.launchHash },
        limits: { cpus: 1, memoryBytes: 2 ** 30 },
      };
      this.nodes.set(id, node);
      made.push(node);
    }
    await new Promise<void>((resolve) => (this.release = resolve));
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

describe('ClusterController', () => {
  it('leaves the nodes of a launch still in flight to that launch: one setup per new node', async () => {
    const provider = new SlowProvider();
    const updates: string[] = [];
    const silent = { info() {}, warn() {}, error() {}, debug() {} };
    const controller = new ClusterController({
      provider: provider,
      store: new MemoryStateStore(),
      loadBootstrap: () => Promise.resolve({ bootstrap, hash: 'h' }),
      updateNode: (o: NodeUpdateOptions) => {
        updates.push(o.node.id);
        // What the node updater leaves on a node it brought up.
        const tags = {
          [TAG.nodeStatus]: 'up-to-date',
          [TAG.runtimeConfig]: o.runtimeHash ?? '',
          [TAG.fileMountsContents]: o.fileMountsHash ?? '',
        };
        return provider.setTags(o.node.id, tags).then(() => undefined);
      },
      headIp: '10.0.0.1',
      nodeEnv: {},
      log: silent,
      heartbeatTimeoutMs: 30_000,
      readyTimeoutMs: 60_000,
    });

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
});
