import { describe, expect, it } from 'vitest';
import { sparkJobRequest, submitOptions } from './jobs.js';

const SIZED = {
  spark_executor_resource: { spark_executor_cores: 2, spark_executor_memory: 1024, spark_driver_memory: 512 },
};

describe('submitOptions', () => {
  it('reads flags and --conf pairs alike', () => {
    const o = submitOptions('--driver-memory 1g --conf spark.executor.instances=3 --executor-cores=4 --name x');
    expect(Object.fromEntries(o)).toEqual({
      'spark.driver.memory': '1g',
      'spark.executor.instances': '3',
      'spark.executor.cores': '4',
    });
  });
});

describe('sparkJobRequest', () => {
  it.each([
    // driver 1 core + 512 MB; one executor (dynamic allocation's first) of 2 cores, 1024 + 384 MB
    ['', { cpu: 3, memoryMb: 512 + 1024 + 384 }],
    ['--num-executors 2', { cpu: 5, memoryMb: 512 + 2 * (1024 + 384) }],
    ['--conf spark.executor.instances=0', { cpu: 1, memoryMb: 512 }],
    ['--executor-memory 4g --executor-cores 1 --driver-memory 1g', { cpu: 2, memoryMb: 1024 + 4096 + 409 }],
    ['--conf spark.dynamicAllocation.initialExecutors=2', { cpu: 5, memoryMb: 512 + 2 * (1024 + 384) }],
  ])('%j', (opts, want) => expect(sparkJobRequest(SIZED, opts)).toEqual(want));

  it('falls back to the default worker sizing', () => {
    expect(sparkJobRequest({}).cpu).toBeGreaterThan(1);
  });
});
