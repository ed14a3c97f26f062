import { describe, expect, it } from 'vitest';
import { stoppingEnv } from './stop.js';

describe('what the stop commands are told', () => {
  it('on a whole cluster whose nodes go with their disks, every node that it is discarded', () => {
    expect(stoppingEnv(true, true)).toEqual({
      head: { CLOUDTIK_CLUSTER_STOPPING: 'discard' },
      workers: { CLOUDTIK_CLUSTER_STOPPING: 'discard' },
    });
  });

  it('on kept nodes, only the head that its workers stop with it', () => {
    expect(stoppingEnv(false, true)).toEqual({ head: { CLOUDTIK_CLUSTER_STOPPING: '1' }, workers: {} });
  });

  it('nothing when the head keeps running (workers only): their services get their grace', () => {
    expect(stoppingEnv(true, false)).toEqual({ head: {}, workers: {} });
    expect(stoppingEnv(false, false)).toEqual({ head: {}, workers: {} });
  });
});
