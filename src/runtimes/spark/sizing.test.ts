import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WORKER,
  driverMemoryFor,
  executorCoresFor,
  MIN_WORKER_MB,
  nodeSizes,
  prepareSparkSizes,
  sparkSizing,
  type NodeSizes,
  type SparkSizing,
} from './sizing.js';

const SIZING_CASES = [
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
];

describe('sparkSizing', () => {
  it.each(SIZING_CASES)('$name', ({ worker, head, want }) => {
    expect(sparkSizing(worker, head)).toMatchObject(want);
  });

  it.each([
    // 2048 - 768 reserved for the DataNode, the NodeManager and the agent; one executor takes it all.
    { memoryMb: 2048, cpus: 2, yarn: 1280, executor: 896, cores: 2 },
    { memoryMb: 2560, cpus: 2, yarn: 1792, executor: 1408, cores: 2 },
    { memoryMb: 3072, cpus: 4, yarn: 2304, executor: 1920, cores: 4 },
    { memoryMb: 4095, cpus: 4, yarn: 3072, executor: 2688, cores: 4 },
    { memoryMb: MIN_WORKER_MB, cpus: 1, yarn: 1024, executor: 640, cores: 1 },
  ])(
    'a $memoryMb MB worker with $cpus CPUs: one executor of $executor MB',
    ({ memoryMb, cpus, yarn, executor, cores }) => {
      const s = sparkSizing({ cpus, memoryMb }, { memoryMb: 2048 });
      expect(s).toEqual({
        yarnMemoryMb: yarn,
        yarnVcores: cpus,
        executorCores: cores,
        executorsPerWorker: 1,
        executorMemoryMb: executor,
        driverMemoryMb: 512,
      });
      // The executor with Spark's overhead (10%, at least 384 MB) fits in what YARN offers.
      if (!('error' in s))
        expect(s.executorMemoryMb + Math.max(384, s.executorMemoryMb * 0.1)).toBeLessThanOrEqual(yarn);
    },
  );

  it('keeps the driver at 10% of a head from 4 GB up, 512 MB below', () => {
    expect(driverMemoryFor(2048)).toBe(512);
    expect(driverMemoryFor(4096)).toBe(1024);
    expect(driverMemoryFor(32768)).toBe(3072);
  });

  it('refuses a worker too small for one executor, with the least memory that works', () => {
    expect(MIN_WORKER_MB).toBe(1792);
    const r = sparkSizing({ cpus: 2, memoryMb: 1536 }, { memoryMb: 4096 });
    expect(r).toMatchObject({ neededMemoryMb: MIN_WORKER_MB });
    expect('error' in r && r.error).toMatch(
      /1536M is too small for one Spark executor \(its HDFS and YARN daemons keep 768M/,
    );
    expect(sparkSizing({ cpus: 2, memoryMb: MIN_WORKER_MB - 1 }, { memoryMb: 4096 })).toHaveProperty('error');
    expect(sparkSizing({ cpus: 2, memoryMb: MIN_WORKER_MB }, { memoryMb: 4096 })).not.toHaveProperty('error');
    // From 4 GB up a small yarn_memory_ratio can still leave no room: CloudTik's overhead counts.
    const low = sparkSizing({ cpus: 4, memoryMb: 4096 }, { memoryMb: 4096 }, 0.5);
    expect(low).toMatchObject({ neededMemoryMb: 6144 });
    expect('error' in low && low.error).toMatch(/YARN would offer 2048M, of which 2048M is overhead/);
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

describe('nodeSizes', () => {
  const sized = {
    spark_executor_cores: 2,
    spark_executor_memory: 1500,
    spark_driver_memory: 2048,
    yarn_container_resource_memory: 6144,
    yarn_container_resource_vcores: 8,
  };
  // The default worker's sizes: what sparkSizing gives a 4 CPU / 4 GB worker (see its table above).
  const fallback = { executorCores: 4, executorMemoryMb: 640, driverMemoryMb: 1024, yarnMemoryMb: 3072, yarnVcores: 4 };
  it.each<{ name: string; resource: Record<string, number> | undefined; want: NodeSizes }>([
    {
      name: 'the prepared sizes',
      resource: sized,
      want: { executorCores: 2, executorMemoryMb: 1500, driverMemoryMb: 2048, yarnMemoryMb: 6144, yarnVcores: 8 },
    },
    { name: 'none prepared (no worker types): the default worker', resource: undefined, want: fallback },
    { name: 'an empty section: the default worker', resource: {}, want: fallback },
    {
      name: 'a size the user set alone, the rest from the default worker',
      resource: { spark_executor_memory: 2048 },
      want: { ...fallback, executorMemoryMb: 2048 },
    },
  ])('$name', ({ resource, want }) => {
    expect(nodeSizes(resource)).toEqual(want);
  });

  it('falls back to exactly the sizing of the default worker', () => {
    expect(sparkSizing(DEFAULT_WORKER, DEFAULT_WORKER)).toMatchObject(nodeSizes(undefined));
  });
});

describe('prepareSparkSizes', () => {
  const head = { cpus: 4, memoryMb: 8192 };
  const big = { name: 'worker.big', cpus: 16, memoryMb: 65536 };
  const mid = { name: 'worker.mid', cpus: 4, memoryMb: 4096 };
  const tiny = { name: 'worker.tiny', cpus: 1, memoryMb: 1024 };
  const sizedFor = (w: { cpus: number; memoryMb: number }, ratio = 0.8): Record<string, number> => {
    const s = sparkSizing(w, head, ratio) as SparkSizing;
    return {
      spark_executor_cores: s.executorCores,
      spark_executor_memory: s.executorMemoryMb,
      spark_driver_memory: s.driverMemoryMb,
      yarn_container_resource_memory: s.yarnMemoryMb,
      yarn_container_resource_vcores: s.yarnVcores,
    };
  };
  it.each<{
    name: string;
    workerTypes: { name: string; cpus: number; memoryMb: number }[];
    options?: Record<string, unknown>;
    want: Record<string, number> | undefined;
    issues?: string[];
  }>([
    { name: 'one worker type', workerTypes: [big], want: sizedFor(big) },
    { name: 'the smallest executors decide', workerTypes: [big, mid], want: sizedFor(mid) },
    {
      name: 'yarn_memory_ratio applies',
      workerTypes: [big],
      options: { yarn_memory_ratio: 0.5 },
      want: sizedFor(big, 0.5),
    },
    {
      name: 'what the user set wins',
      workerTypes: [big],
      options: { spark_executor_resource: { spark_executor_memory: 2048 } },
      want: { ...sizedFor(big), spark_executor_memory: 2048 },
    },
    {
      name: 'a type too small is an issue, the others are sized',
      workerTypes: [tiny, mid],
      want: sizedFor(mid),
      issues: ['worker.tiny: 1024M is too small for one Spark executor'],
    },
    { name: 'no worker types: nothing', workerTypes: [], want: undefined },
    {
      name: 'only types too small: nothing, and the issue',
      workerTypes: [tiny],
      want: undefined,
      issues: ['worker.tiny: 1024M is too small'],
    },
  ])('$name', ({ workerTypes, options, want, issues }) => {
    const r = prepareSparkSizes({ workerTypes, head, options: options ?? {}, types: ['spark'] });
    expect(r.values).toEqual(want ? { spark_executor_resource: want } : {});
    expect(r.issues.map((i) => i.message)).toEqual((issues ?? []).map((m) => expect.stringContaining(m) as string));
    for (const i of r.issues) expect(i.hint).toMatch(/^give it at least \S+, or leave spark out of runtime.types$/);
  });
});
