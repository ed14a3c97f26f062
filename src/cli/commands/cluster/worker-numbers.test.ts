import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../../config/types.js';
import type { NodeInfo } from '../../../providers/provider.js';
import { clusterRunsRuntime, nodeRuntimes } from './worker-ips.js';
import { askedNumber, workerNumbers } from './worker-numbers.js';

const GB = 1024 ** 3;

const config = {
  cluster_name: 'c',
  head_node_type: 'head.default',
  runtime: { types: ['hdfs', 'spark'] },
  available_node_types: {
    'head.default': { min_workers: 0, max_workers: 0, resources: { CPU: 2, memory: 4 * GB } },
    'worker.default': { min_workers: 1, max_workers: 4, resources: { CPU: 4, memory: 8 * GB } },
    'worker.gpu': {
      min_workers: 0,
      max_workers: 2,
      resources: { CPU: 8, GPU: 2, memory: 16 * GB },
      runtime: { types: ['spark'] },
    },
  },
} as unknown as ClusterConfig;

function node(
  id: string,
  kind: 'head' | 'worker',
  nodeType: string,
  cpus: number,
  memoryGb: number,
  running = true,
): NodeInfo {
  return {
    id,
    kind,
    nodeType,
    seqId: 1,
    ip: `10.0.0.${id.length}`,
    state: running ? 'running' : 'exited',
    running,
    createdAt: 0,
    tags: {},
    limits: { cpus, memoryBytes: memoryGb * GB },
  };
}

describe('workerNumbers', () => {
  it('sums the running workers as they run (head and stopped workers left out); per worker: the first running one', () => {
    const nodes = [
      node('h', 'head', 'head.default', 2, 4),
      node('w1', 'worker', 'worker.default', 3, 6),
      node('w2', 'worker', 'worker.gpu', 8, 16),
      node('w3', 'worker', 'worker.default', 4, 8, false),
    ];
    expect(workerNumbers(config, nodes)).toEqual({
      workerCpus: 11,
      workerGpus: 2,
      workerMemory: 22 * 1024,
      cpusPerWorker: 3,
      gpusPerWorker: 0,
      memoryPerWorker: 6 * 1024,
      totalWorkers: 2,
    });
  });

  it('without running workers, totals are 0 and per worker comes from the first worker type as configured', () => {
    expect(workerNumbers(config, [node('h', 'head', 'head.default', 2, 4)])).toEqual({
      workerCpus: 0,
      workerGpus: 0,
      workerMemory: 0,
      cpusPerWorker: 4,
      gpusPerWorker: 0,
      memoryPerWorker: 8 * 1024,
      totalWorkers: 0,
    });
  });
});

describe('askedNumber', () => {
  it.each([
    [{}, undefined],
    [{ workerCpus: true }, 'workerCpus'],
    [{ socketsPerWorker: true, workerCpus: false }, 'socketsPerWorker'],
  ])('%j asks for %s', (opts, asked) => {
    expect(askedNumber(opts)).toBe(asked);
  });

  it('refuses two numbers at once, naming their flags', () => {
    expect(() => askedNumber({ workerCpus: true, totalWorkers: true })).toThrow(
      'print one number at a time: --worker-cpus, --total-workers',
    );
  });
});

describe('worker-ips --runtime', () => {
  it.each([
    ['worker.default', 'hdfs', true],
    ['worker.gpu', 'hdfs', false],
    ['worker.gpu', 'spark', true],
  ])('a %s worker runs %s: %s', (nodeType, runtime, runs) => {
    expect(nodeRuntimes(config, { kind: 'worker', nodeType }).includes(runtime)).toBe(runs);
  });

  it('knows which runtimes run anywhere in the cluster', () => {
    expect(clusterRunsRuntime(config, 'spark')).toBe(true);
    expect(clusterRunsRuntime(config, 'kafka')).toBe(false);
  });
});
