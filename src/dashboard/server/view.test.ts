import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../config/types.js';
import type { ClusterInfo, NodeRow } from '../../core/cluster/nodes.js';
import type { ControllerStatus } from '../../core/state/store.js';
import { stateFolderClusters } from './discovery.js';
import { REF } from './memory-backend.fixtures.js';
import { viewOf } from './view.js';

const row = (id: string, kind: 'head' | 'worker'): NodeRow => ({
  id,
  kind,
  nodeType: `${kind}.default`,
  ip: '10.0.0.9',
  state: 'running',
  status: 'up-to-date',
  seqId: 0,
  createdAt: 1,
  cpus: 1,
  memoryBytes: 1,
});

const config = {
  head_node_type: 'head.default',
  available_node_types: {
    'head.default': { min_workers: 0, max_workers: 0, resources: {} },
    'worker.default': { min_workers: 1, max_workers: 4, resources: {} },
  },
} as unknown as ClusterConfig;

const info = {
  headIp: '10.0.0.9',
  endpoints: [{ runtime: 'spark', name: 'history server', url: 'http://10.0.0.9:18080' }],
} as unknown as ClusterInfo;

const status: ControllerStatus = {
  time: 5,
  pid: 77,
  pass: 3,
  passMs: 12,
  headIp: '10.0.0.9',
  workers: [],
  pending: { 'worker.default': 1 },
  blocked: {},
  targets: { 'worker.default': { min: 1, max: 4, upToDate: 0, total: 1 } },
  requests: [{ time: 1, bundles: [{ CPU: 1 }], origin: 'cloudtik scale c.yaml --workers 2' }],
  messages: ['launching 1 worker.default'],
};

describe("a cluster's view", () => {
  it('adds heartbeat ages, keeps only what the contract lists of the status, and the worker types', () => {
    const v = viewOf({
      ref: REF,
      config,
      rows: [row('h', 'head'), row('w', 'worker')],
      info,
      heartbeats: [{ nodeId: 'h', time: 900 } as never],
      status,
      now: 1000,
    });
    expect(v.nodes.map((n) => n.heartbeatAgeMs)).toEqual([100, undefined]);
    expect(v.controller).toEqual({
      status: {
        time: 5,
        pass: 3,
        passMs: 12,
        pending: { 'worker.default': 1 },
        blocked: {},
        targets: status.targets,
        messages: status.messages,
      },
    });
    expect(v.workerTypes).toEqual([{ name: 'worker.default', min: 1, max: 4 }]);
    expect(v.runtimes).toEqual(info.endpoints);
    expect(v.headIp).toBe('10.0.0.9');
  });

  it('says why there is no status', () => {
    const v = viewOf({ ref: REF, config, rows: [], info, error: 'the head is not running' });
    expect(v.controller).toEqual({ error: 'the head is not running' });
  });

  it('finds the clusters with a config in the state folders', async () => {
    const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'dash-home-'));
    try {
      for (const [ws, c, file] of [
        ['ws1', 'a', 'cluster.json'],
        ['ws1', 'b', 'secrets.json'],
        ['ws2', 'c', 'cluster.json'],
      ] as const) {
        await fsp.mkdir(path.join(home, 'virtual', ws, c), { recursive: true });
        await fsp.writeFile(path.join(home, 'virtual', ws, c, file), '{}');
      }
      expect([...(await stateFolderClusters(home, 'virtual'))]).toEqual([
        ['ws1', ['a']],
        ['ws2', ['c']],
      ]);
      expect((await stateFolderClusters(home, 'local')).size).toBe(0);
    } finally {
      await fsp.rm(home, { recursive: true, force: true });
    }
  });
});
