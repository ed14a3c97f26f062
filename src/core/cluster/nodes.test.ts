import { describe, expect, it } from 'vitest';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { restartedAt, toRow } from './nodes.js';

function node(tags: Record<string, string>, running = true): NodeInfo {
  return {
    id: 'n1',
    kind: 'worker',
    nodeType: 'worker.default',
    seqId: 2,
    ip: '10.0.0.2',
    state: running ? 'running' : 'exited',
    running,
    createdAt: 1000,
    tags,
    limits: { cpus: 1, memoryBytes: 1 },
  };
}

describe('restartedAt', () => {
  it.each<{ name: string; tags: Record<string, string>; start: number; count: number; want?: number }>([
    { name: 'started after its setup: restarted', tags: { [TAG.setupAt]: '5000' }, start: 9000, count: 0, want: 9000 },
    {
      name: 'started before its setup ran: not',
      tags: { [TAG.setupAt]: '5000' },
      start: 2000,
      count: 0,
      want: undefined,
    },
    { name: 'no setup time, restarted by the policy', tags: {}, start: 9000, count: 2, want: 9000 },
    { name: 'no setup time, never restarted', tags: {}, start: 9000, count: 0, want: undefined },
  ])('$name', ({ tags, start, count, want }) => {
    expect(restartedAt(node(tags), { startedAt: start, restartCount: count })).toBe(want);
  });

  it('says nothing of a node that does not run', () => {
    expect(restartedAt(node({ [TAG.setupAt]: '5000' }, false), { startedAt: 9000, restartCount: 1 })).toBeUndefined();
  });

  it('is in the status row with the engine restart count', () => {
    const row = toRow(node({ [TAG.setupAt]: '5000' }), { startedAt: 9000, restartCount: 1 });
    expect(row).toMatchObject({ restartedAt: 9000, restartCount: 1 });
    expect(toRow(node({}))).not.toHaveProperty('restartedAt');
  });
});
