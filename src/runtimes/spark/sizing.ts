/**
 * Spark on YARN sizing from a worker's resources. From 4 GB up, CloudTik's rules: YARN gets 80%
 * of the worker's memory; executors take 4 cores each (all cores on a small worker whose core
 * count is not a multiple of 4); the executors' memory is what YARN offers minus an overhead,
 * split evenly, minus Spark's own per-executor overhead (10%, at least 384 MB). The driver gets
 * 10% of the head's memory, between 1 and 8 GB.
 *
 * Below 4 GB those rules leave no room for an executor, so smaller workers are sized by what
 * their daemons need instead: the DataNode's and NodeManager's JVMs (with Spark's shuffle
 * service) and the node's agent keep SMALL_WORKER_RESERVE_MB, YARN gets the rest, and one
 * executor takes all of it (an application master, 1 GB, takes one worker's share while it
 * runs). A head below 4 GB runs the driver with 512 MB. All figures are MB.
 */
import { formatMemoryWhole } from '../../core/units.js';
import type { RuntimeIssue, SizingInput } from '../runtime.js';

export interface SparkSizing {
  yarnMemoryMb: number;
  yarnVcores: number;
  executorCores: number;
  executorMemoryMb: number;
  executorsPerWorker: number;
  driverMemoryMb: number;
}

const GB = 1024;
/** Where CloudTik's rules start to apply. */
export const LARGE_NODE_MB = 4 * GB;
/** A small worker's memory that YARN does not hand out: its daemons' JVMs and the node agent. */
export const SMALL_WORKER_RESERVE_MB = 768;
/**
 * The least YARN memory a small worker needs: one executor of 512 MB plus Spark's 384 MB
 * overhead, and the room for Spark's application master (512 MB + 384 MB, in 256 MB steps).
 */
const SMALL_WORKER_MIN_YARN_MB = GB;
/** The smallest worker that runs Spark: SMALL_WORKER_MIN_YARN_MB for YARN plus the reserve. */
export const MIN_WORKER_MB = SMALL_WORKER_MIN_YARN_MB + SMALL_WORKER_RESERVE_MB;

const floorGb = (mb: number): number => Math.floor(mb / GB) * GB;
const floorTo = (mb: number, step: number): number => Math.floor(mb / step) * step;
const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
/** Spark's own overhead on top of an executor's memory. */
const executorOverheadMb = (containerMb: number): number => Math.max(Math.floor(containerMb * 0.1), 384);

export function executorCoresFor(cpus: number): number {
  if (cpus < 4) return Math.max(1, Math.floor(cpus));
  if (cpus <= 8 && cpus % 4 !== 0) return Math.floor(cpus);
  return 4;
}

export function driverMemoryFor(headMb: number): number {
  return headMb < LARGE_NODE_MB ? 512 : clamp(floorGb(headMb * 0.1), GB, 8 * GB);
}

type Sized = SparkSizing | { error: string; neededMemoryMb: number };

function tooSmall(workerMb: number, neededMemoryMb: number, why: string): Sized {
  return { error: `${Math.round(workerMb)}M is too small for one Spark executor (${why})`, neededMemoryMb };
}

/** A worker below LARGE_NODE_MB: one executor with all that its daemons leave. */
function smallWorkerSizing(worker: { cpus: number; memoryMb: number }, head: { memoryMb: number }): Sized {
  const yarnMemoryMb = floorTo(worker.memoryMb - SMALL_WORKER_RESERVE_MB, 256);
  if (yarnMemoryMb < SMALL_WORKER_MIN_YARN_MB) {
    return tooSmall(
      worker.memoryMb,
      MIN_WORKER_MB,
      `its HDFS and YARN daemons keep ${SMALL_WORKER_RESERVE_MB}M, and YARN needs ${SMALL_WORKER_MIN_YARN_MB}M for an executor or the application master`,
    );
  }
  return {
    yarnMemoryMb,
    yarnVcores: Math.max(1, Math.floor(worker.cpus)),
    executorCores: executorCoresFor(worker.cpus),
    executorMemoryMb: yarnMemoryMb - executorOverheadMb(yarnMemoryMb),
    executorsPerWorker: 1,
    driverMemoryMb: driverMemoryFor(head.memoryMb),
  };
}

/** Sizes for one worker type, or why one executor does not fit (with the least memory that would). */
export function sparkSizing(
  worker: { cpus: number; memoryMb: number },
  head: { memoryMb: number },
  yarnMemoryRatio = 0.8,
): Sized {
  if (worker.memoryMb < LARGE_NODE_MB) return smallWorkerSizing(worker, head);
  const yarnMemoryMb = floorGb(worker.memoryMb * yarnMemoryRatio);
  const executorCores = executorCoresFor(worker.cpus);
  const executorsPerWorker = Math.max(1, Math.floor(worker.cpus / executorCores));
  const overheadMb = clamp(floorGb(yarnMemoryMb * 0.02), GB, 8 * GB) + GB;
  const perExecutorMb = floorGb((yarnMemoryMb - overheadMb) / executorsPerWorker);
  const executorMemoryMb = perExecutorMb - executorOverheadMb(perExecutorMb);
  if (perExecutorMb < GB || executorMemoryMb <= 0) {
    // A small yarn_memory_ratio: the worker that fits one executor with it has YARN the overhead plus 1 GB.
    return tooSmall(
      worker.memoryMb,
      Math.ceil((overheadMb + GB) / yarnMemoryRatio / GB) * GB,
      `YARN would offer ${yarnMemoryMb}M, of which ${overheadMb}M is overhead`,
    );
  }
  return {
    yarnMemoryMb,
    yarnVcores: Math.max(1, Math.floor(worker.cpus)),
    executorCores,
    executorMemoryMb,
    executorsPerWorker,
    driverMemoryMb: driverMemoryFor(head.memoryMb),
  };
}

/**
 * The worker a node's configuration is sized for when its prepared config carries no sizes (a
 * cluster without worker types): CloudTik's example worker of 4 CPUs and 4 GB.
 */
export const DEFAULT_WORKER = { cpus: 4, memoryMb: LARGE_NODE_MB };

/** The sizes a node's Spark and YARN configuration files use (MB and cores). */
export interface NodeSizes {
  executorCores: number;
  executorMemoryMb: number;
  driverMemoryMb: number;
  yarnMemoryMb: number;
  yarnVcores: number;
}

/**
 * The one rule for the sizes a node configures: each size in the prepared
 * `spark_executor_resource` (sized by sparkSizing when the config was loaded, or set by the
 * user), else that of DEFAULT_WORKER with a head of the same size.
 */
export function nodeSizes(resource: Readonly<Record<string, number>> | undefined): NodeSizes {
  const fallback = sparkSizing(DEFAULT_WORKER, DEFAULT_WORKER);
  if ('error' in fallback) throw new Error(`the default Spark worker does not size: ${fallback.error}`);
  const r = resource ?? {};
  return {
    executorCores: r.spark_executor_cores ?? fallback.executorCores,
    executorMemoryMb: r.spark_executor_memory ?? fallback.executorMemoryMb,
    driverMemoryMb: r.spark_driver_memory ?? fallback.driverMemoryMb,
    yarnMemoryMb: r.yarn_container_resource_memory ?? fallback.yarnMemoryMb,
    yarnVcores: r.yarn_container_resource_vcores ?? fallback.yarnVcores,
  };
}

/**
 * The `spark_executor_resource` a cluster's config gets when it is loaded (spark's `prepare`):
 * sized for the smallest worker type (the least executor memory), so every executor fits on
 * every worker; what the user set in it wins. A worker type too small for one executor is an
 * issue naming the memory it needs.
 */
export function prepareSparkSizes({ workerTypes, head, options }: SizingInput): {
  values: Record<string, unknown>;
  issues: RuntimeIssue[];
} {
  const ratio = typeof options.yarn_memory_ratio === 'number' ? options.yarn_memory_ratio : 0.8;
  const issues: RuntimeIssue[] = [];
  let chosen: SparkSizing | undefined;
  for (const t of workerTypes) {
    const s = sparkSizing(t, head, ratio);
    if ('error' in s) {
      issues.push({
        path: ['available_node_types', t.name, 'node_config', 'instance_type', 'memory'],
        message: `${t.name}: ${s.error}`,
        hint: `give it at least ${formatMemoryWhole(s.neededMemoryMb * 2 ** 20)}, or leave spark out of runtime.types`,
      });
    } else if (!chosen || s.executorMemoryMb < chosen.executorMemoryMb) {
      chosen = s;
    }
  }
  if (!chosen) return { values: {}, issues };
  const user = options.spark_executor_resource as Record<string, unknown> | undefined;
  return {
    values: {
      spark_executor_resource: {
        spark_executor_cores: chosen.executorCores,
        spark_executor_memory: chosen.executorMemoryMb,
        spark_driver_memory: chosen.driverMemoryMb,
        yarn_container_resource_memory: chosen.yarnMemoryMb,
        yarn_container_resource_vcores: chosen.yarnVcores,
        ...user,
      },
    },
    issues,
  };
}
