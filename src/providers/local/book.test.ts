import { describe, expect, it } from 'vitest';
import { numbering } from './book.js';
import type { HostRecord } from './hosts.js';

const host = (seq?: number): HostRecord => ({
  name: 'h',
  ip: 'h',
  state: 'running',
  instance_type: 'small',
  tags: seq === undefined ? {} : { 'cloudtik-node-seq-id': String(seq) },
});

describe('numbering of the hosts a cluster takes', () => {
  it('starts at 1 for a cluster with no node yet', () => {
    expect(numbering([], 'c1', 'head', 1)).toEqual([
      { 'cloudtik-node-seq-id': '1', 'cloudtik-node-name': 'c1-head-1' },
    ]);
  });

  it('continues after the highest number the cluster holds, gaps left as they are', () => {
    const next = numbering([host(1), host(4), host()], 'c1', 'worker', 2);
    expect(next.map((t) => t['cloudtik-node-seq-id'])).toEqual(['5', '6']);
    expect(next.map((t) => t['cloudtik-node-name'])).toEqual(['c1-worker-5', 'c1-worker-6']);
  });
});
