import { describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../../core/cluster/nodes.js';
import { renderTable } from '../../table.js';
import { nodeTypeColumns } from './info.js';

const INFO: ClusterInfo = {
  cluster: 'demo',
  workspace: 'ws',
  headIp: '10.0.0.2',
  nodes: { total: 3, head: 1, workers: 2, upToDate: 3, byType: { 'head.default': 1, 'worker.default': 2 } },
  resources: {},
  nodeTypes: {
    'head.default': { minWorkers: 0, maxWorkers: 0, resources: { CPU: 2, memory: 2 ** 31 } },
    'worker.default': { minWorkers: 1, maxWorkers: 4, resources: {} },
    'worker.gpu': { minWorkers: 0, maxWorkers: 2, resources: { CPU: 8, GPU: 1 } },
  },
  maxWorkers: 6,
  runtimes: [],
  endpoints: [],
};

describe('cluster info node types', () => {
  it('shows each type with how many run, its bounds and resources, aligned', () => {
    expect(renderTable(nodeTypeColumns(INFO), Object.keys(INFO.nodeTypes))).toBe(
      [
        'TYPE            RUNNING  MIN  MAX  CPU  MEMORY',
        'head.default    1        0    0    2    2G',
        'worker.default  2        1    4    -    -',
        'worker.gpu      0        0    2    8    -',
      ].join('\n'),
    );
  });
});
