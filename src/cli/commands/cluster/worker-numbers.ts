import type { ClusterConfig } from '../../../config/types.js';
import type { NodeInfo } from '../../../providers/provider.js';

/** The numbers `info --worker-cpus` and its family print, one at a time. Memory is in MB. */
export interface WorkerNumbers {
  workerCpus: number;
  workerGpus: number;
  workerMemory: number;
  cpusPerWorker: number;
  gpusPerWorker: number;
  memoryPerWorker: number;
  totalWorkers: number;
}

/** The `info` flags that print one number, by their option key. */
export const NUMBER_FLAGS = [
  'workerCpus',
  'workerGpus',
  'workerMemory',
  'cpusPerWorker',
  'gpusPerWorker',
  'memoryPerWorker',
  'socketsPerWorker',
  'totalWorkers',
] as const;
export type NumberFlag = (typeof NUMBER_FLAGS)[number];

const MB = 1024 * 1024;

/**
 * Totals over the running workers, from the limits each node runs with (CPUs and memory as
 * clamped to the machine) and the GPUs its type advertises; per worker, the first running worker,
 * else the first worker type as configured.
 */
export function workerNumbers(config: ClusterConfig, nodes: readonly NodeInfo[]): WorkerNumbers {
  const workers = nodes.filter((n) => n.running && n.kind === 'worker');
  const gpusOf = (type: string): number => config.available_node_types[type]?.resources.GPU ?? 0;
  const first = workers[0];
  const firstType = Object.entries(config.available_node_types).find(([name]) => name !== config.head_node_type);
  const per = first
    ? { cpus: first.limits.cpus, gpus: gpusOf(first.nodeType), memory: first.limits.memoryBytes }
    : {
        cpus: firstType?.[1].resources.CPU ?? 0,
        gpus: firstType ? gpusOf(firstType[0]) : 0,
        memory: firstType?.[1].resources.memory ?? 0,
      };
  return {
    workerCpus: workers.reduce((s, w) => s + w.limits.cpus, 0),
    workerGpus: workers.reduce((s, w) => s + gpusOf(w.nodeType), 0),
    workerMemory: Math.round(workers.reduce((s, w) => s + w.limits.memoryBytes, 0) / MB),
    cpusPerWorker: per.cpus,
    gpusPerWorker: per.gpus,
    memoryPerWorker: Math.round(per.memory / MB),
    totalWorkers: workers.length,
  };
}

/** Which single number was asked for; several at once is a usage error. */
export function askedNumber(opts: Partial<Record<NumberFlag, boolean | undefined>>): NumberFlag | undefined {
  const asked = NUMBER_FLAGS.filter((k) => opts[k] === true);
  if (asked.length > 1) {
    const flag = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new Error(`print one number at a time: ${asked.map(flag).join(', ')}`);
  }
  return asked[0];
}

/** The shell line that counts a node's CPU sockets (distinct physical package ids). */
export const SOCKETS_COMMAND =
  'cat /sys/devices/system/cpu/cpu[0-9]*/topology/physical_package_id 2>/dev/null | sort -u | wc -l';
