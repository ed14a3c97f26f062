import { describe, expect, it } from 'vitest';
import { executorCoresFor, sparkSizing } from './sizing.js';

describe('sparkSizing', () => {
  it.each([
    {
      name: 'a 4 CPU / 4 GB worker (CloudTik example)',
      worker: { cpus: 4, memoryMb: 4096 },
      head: { memoryMb: 4096 },
      want: {
        yarnMemoryMb: 3072,
        yarnVcores: 4,
        executorCores: 4,
        executorsPerWorker: 1,
        executorMemoryMb: 640,
        driverMemoryMb: 1024,
      },
    },
    {
      name: 'a 16 CPU / 64 GB worker',
      worker: { cpus: 16, memoryMb: 65536 },
      head: { memoryMb: 65536 },
      want: {
        yarnMemoryMb: 52224,
        yarnVcores: 16,
        executorCores: 4,
        executorsPerWorker: 4,
        executorMemoryMb: 11060,
        driverMemoryMb: 6144,
      },
    },
    {
      name: 'a 6 CPU worker uses all its cores for one executor',
      worker: { cpus: 6, memoryMb: 8192 },
      head: { memoryMb: 200_000 },
      want: { executorCores: 6, executorsPerWorker: 1, driverMemoryMb: 8192 },
    },
  ])('$name', ({ worker, head, want }) => {
    expect(sparkSizing(worker, head)).toMatchObject(want);
  });

  it('refuses a worker too small for one executor, with the memory it would need', () => {
    const r = sparkSizing({ cpus: 2, memoryMb: 2048 }, { memoryMb: 4096 });
    expect(r).toMatchObject({ neededMemoryMb: 4096 });
    expect('error' in r && r.error).toMatch(/too small for one Spark executor/);
    expect(sparkSizing({ cpus: 2, memoryMb: 4096 }, { memoryMb: 4096 })).not.toHaveProperty('error');
  });

  it.each([
    [1, 1],
    [2, 2],
    [4, 4],
    [6, 6],
    [8, 4],
    [12, 4],
  ])('%i CPUs give executors of %i cores', (cpus, cores) => {
    expect(executorCoresFor(cpus)).toBe(cores);
  });
});
