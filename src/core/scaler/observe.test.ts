import { describe, expect, it } from 'vitest';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { toScalerNode } from './observe.js';

const node = (over: Partial<NodeInfo>): NodeInfo => ({
  id: 'n2',
  kind: 'worker',
  nodeType: 'worker.default',
  seqId: 2,
  ip: undefined,
  state: 'running',
  running: true,
  createdAt: 0,
  tags: { [TAG.nodeStatus]: 'up-to-date' },
  limits: { cpus: 1, memoryBytes: 2 ** 30 },
  ...over,
});

describe('toScalerNode: starting', () => {
  it.each([
    ['a Docker container created and not started', { state: 'created', running: false }, true],
    ['a Kubernetes pod not running yet (phase Pending)', { state: 'pending', running: false }, true],
    ['a container that exited', { state: 'exited', running: false }, false],
    ['a pod that failed', { state: 'failed', running: false }, false],
    ['a running node', { state: 'running', running: true }, false],
  ])('%s', (_what, over, want) => {
    expect(toScalerNode(node(over)).starting).toBe(want);
  });
});
