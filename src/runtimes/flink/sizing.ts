/**
 * Flink on YARN sizing from a worker's resources (MB and cores), CloudTik's rule from 4 GB up:
 * YARN gets `yarn_memory_ratio` (80%) of the worker's memory in whole GB; a TaskManager takes up
 * to 4 cores, as many TaskManagers per worker as that fits; the JobManager takes 2% of YARN's
 * memory, between 1 and 8 GB; what YARN offers beyond the JobManager and 1 GB more is split among
 * the TaskManagers in whole GB, each less 10% (at least 384 MB) that YARN's own bookkeeping needs.
 *
 * Below 4 GB those rules leave nothing for a TaskManager. There, as for Spark (and with the same
 * YARN memory, so a NodeManager is sized alike with or without Spark), the worker's daemons keep
 * SMALL_WORKER_RESERVE_MB, YARN gets the rest, the JobManager 768 MB and one TaskManager the rest
 * of a worker (at least 1 GB: on a worker too small for both, they go to different workers).
 */
import { formatMemoryWhole } from '../../core/units.js';
import type { RuntimeIssue, SizingInput } from '../runtime.js';
import { LARGE_NODE_MB, SMALL_WORKER_RESERVE_MB } from '../spark/sizing.js';

export interface FlinkSizing {
  jobManagerMb: number;
  taskManagerMb: number;
  /** Task slots of a TaskManager (its YARN container's vcores). */
  slots: number;
  /** TaskManagers one worker holds. */
  taskManagersPerWorker: number;
  yarnMemoryMb: number;
  yarnVcores: number;
}

const GB = 1024;
/** The least JobManager and TaskManager processes that run a small job (Flink's own floors are lower). */
export const SMALL_JOBMANAGER_MB = 768;
export const MIN_TASKMANAGER_MB = GB;
/** The smallest worker that runs a TaskManager. */
export const MIN_WORKER_MB = MIN_TASKMANAGER_MB + SMALL_WORKER_RESERVE_MB;

/** Rounds down to whole GB, at least 1 GB. */
const wholeGb = (mb: number): number => Math.max(GB, Math.floor(mb / GB) * GB);
const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

type Sized = FlinkSizing | { error: string; neededMemoryMb: number };

function smallWorkerSizing(worker: { cpus: number; memoryMb: number }): Sized {
  const yarnMemoryMb = Math.floor((worker.memoryMb - SMALL_WORKER_RESERVE_MB) / 256) * 256;
  if (yarnMemoryMb < MIN_TASKMANAGER_MB) {
    return {
      error: `${Math.round(worker.memoryMb)}M is too small for a Flink TaskManager (its HDFS and YARN daemons keep ${SMALL_WORKER_RESERVE_MB}M, and a TaskManager needs ${MIN_TASKMANAGER_MB}M)`,
      neededMemoryMb: MIN_WORKER_MB,
    };
  }
  const slots = clamp(Math.floor(worker.cpus), 1, 4);
  return {
    jobManagerMb: SMALL_JOBMANAGER_MB,
    taskManagerMb:
      yarnMemoryMb >= SMALL_JOBMANAGER_MB + MIN_TASKMANAGER_MB ? yarnMemoryMb - SMALL_JOBMANAGER_MB : yarnMemoryMb,
    slots,
    taskManagersPerWorker: 1,
    yarnMemoryMb,
    yarnVcores: Math.max(1, Math.floor(worker.cpus)),
  };
}

/** Sizes for one worker type, or why a TaskManager does not fit (with the least memory that would). */
export function flinkSizing(worker: { cpus: number; memoryMb: number }, yarnMemoryRatio = 0.8): Sized {
  if (worker.memoryMb < LARGE_NODE_MB) return smallWorkerSizing(worker);
  const yarnMemoryMb = wholeGb(worker.memoryMb * yarnMemoryRatio);
  const slots = clamp(Math.floor(worker.cpus), 1, 4);
  const taskManagersPerWorker = Math.max(1, Math.floor(worker.cpus / slots));
  const jobManagerMb = clamp(wholeGb(yarnMemoryMb * 0.02), GB, 8 * GB);
  const overheadMb = wholeGb(jobManagerMb + GB);
  const perTaskManagerMb = wholeGb((yarnMemoryMb - overheadMb) / taskManagersPerWorker);
  return {
    jobManagerMb,
    taskManagerMb: perTaskManagerMb - Math.max(Math.floor(perTaskManagerMb * 0.1), 384),
    slots,
    taskManagersPerWorker,
    yarnMemoryMb,
    yarnVcores: Math.max(1, Math.floor(worker.cpus)),
  };
}

/**
 * The `flink_resource` a cluster's config gets when it is loaded (flink's `prepare`): sized for the
 * smallest worker type (the least TaskManager memory), so every container fits on every worker;
 * what the user set in it wins. Flink on YARN keeps its jars, checkpoints and history in HDFS, so
 * a runtime list without hdfs is an error, as is a worker type too small for a TaskManager.
 */
export function prepareFlinkSizes({ workerTypes, options, types }: SizingInput): {
  values: Record<string, unknown>;
  issues: RuntimeIssue[];
} {
  const issues: RuntimeIssue[] = [];
  if (!types.includes('hdfs')) {
    issues.push({
      path: ['runtime', 'types'],
      message:
        'flink needs hdfs: YARN reads its jars from there, and it keeps checkpoints, savepoints and job history there',
      hint: 'add hdfs to runtime.types',
    });
  }
  let chosen: FlinkSizing | undefined;
  for (const t of workerTypes) {
    const s = flinkSizing(t);
    if ('error' in s) {
      issues.push({
        path: ['available_node_types', t.name, 'node_config', 'instance_type', 'memory'],
        message: `${t.name}: ${s.error}`,
        hint: `give it at least ${formatMemoryWhole(s.neededMemoryMb * 2 ** 20)}, or leave flink out of runtime.types`,
      });
    } else if (!chosen || s.taskManagerMb < chosen.taskManagerMb) {
      chosen = s;
    }
  }
  if (!chosen) return { values: {}, issues };
  const user = options.flink_resource as Record<string, unknown> | undefined;
  return {
    values: {
      flink_resource: {
        flink_jobmanager_memory: chosen.jobManagerMb,
        flink_taskmanager_memory: chosen.taskManagerMb,
        flink_taskmanager_cores: chosen.slots,
        yarn_container_resource_memory: chosen.yarnMemoryMb,
        yarn_container_resource_vcores: chosen.yarnVcores,
        ...user,
      },
    },
    issues,
  };
}
