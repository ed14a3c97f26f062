import { describe, expect, it } from 'vitest';
import { flinkSizing, prepareFlinkSizes } from './sizing.js';

describe('flinkSizing', () => {
  it.each([
    // CloudTik's examples: 16 GB / 8 CPUs and 64 GB / 16 CPUs.
    { cpus: 8, memoryMb: 16384, jm: 1024, tm: 4608, slots: 4, perWorker: 2, yarn: 12288 },
    { cpus: 16, memoryMb: 65536, jm: 1024, tm: 11060, slots: 4, perWorker: 4, yarn: 52224 },
    { cpus: 4, memoryMb: 4096, jm: 1024, tm: 640, slots: 4, perWorker: 1, yarn: 3072 },
    // A JobManager of 2% of a very large worker's YARN memory.
    { cpus: 4, memoryMb: 524288, jm: 8192, tm: 368640, slots: 4, perWorker: 1, yarn: 418816 },
    // Small test workers: the JobManager's floor, a TaskManager with the rest, slots from the CPUs.
    { cpus: 2, memoryMb: 2560, jm: 768, tm: 1024, slots: 2, perWorker: 1, yarn: 1792 },
    { cpus: 1, memoryMb: 2048, jm: 768, tm: 1280, slots: 1, perWorker: 1, yarn: 1280 },
    { cpus: 1, memoryMb: 1792, jm: 768, tm: 1024, slots: 1, perWorker: 1, yarn: 1024 },
  ])('$memoryMb MB and $cpus CPUs', ({ cpus, memoryMb, jm, tm, slots, perWorker, yarn }) => {
    expect(flinkSizing({ cpus, memoryMb })).toEqual({
      jobManagerMb: jm,
      taskManagerMb: tm,
      slots,
      taskManagersPerWorker: perWorker,
      yarnMemoryMb: yarn,
      yarnVcores: cpus,
    });
  });

  it('names the least memory for a worker too small for a TaskManager', () => {
    expect(flinkSizing({ cpus: 1, memoryMb: 1536 })).toEqual({
      error: expect.stringMatching(/^1536M is too small for a Flink TaskManager/) as string,
      neededMemoryMb: 1792,
    });
  });
});

describe('prepareFlinkSizes', () => {
  const input = (types: string[], workers: Array<{ cpus: number; memoryMb: number }>, options = {}) => ({
    workerTypes: workers.map((w, i) => ({ name: `w${i}`, ...w })),
    head: { cpus: 2, memoryMb: 4096 },
    options,
    types,
  });

  it('sizes for the worker type with the smallest TaskManager; what the user set wins', () => {
    const r = prepareFlinkSizes(
      input(
        ['hdfs', 'yarn', 'flink'],
        [
          { cpus: 8, memoryMb: 16384 },
          { cpus: 2, memoryMb: 2560 },
        ],
        { flink_resource: { flink_taskmanager_cores: 1 } },
      ),
    );
    expect(r.issues).toEqual([]);
    expect(r.values).toEqual({
      flink_resource: {
        flink_jobmanager_memory: 768,
        flink_taskmanager_memory: 1024,
        flink_taskmanager_cores: 1,
        yarn_container_resource_memory: 1792,
        yarn_container_resource_vcores: 2,
      },
    });
  });

  it('needs hdfs, and a worker type big enough for a TaskManager', () => {
    const r = prepareFlinkSizes(input(['yarn', 'flink'], [{ cpus: 1, memoryMb: 1024 }]));
    expect(r.values).toEqual({});
    expect(r.issues).toEqual([
      expect.objectContaining({ path: ['runtime', 'types'], hint: 'add hdfs to runtime.types' }),
      expect.objectContaining({
        path: ['available_node_types', 'w0', 'node_config', 'instance_type', 'memory'],
        hint: 'give it at least 1792M, or leave flink out of runtime.types',
      }),
    ]);
  });
});
