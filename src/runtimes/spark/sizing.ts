/**
 * Spark on YARN sizing from a worker's resources (CloudTik's rules): YARN gets 80% of the
 * worker's memory; executors take 4 cores each (all cores on a small worker whose core count is
 * not a multiple of 4); the executors' memory is what YARN offers minus an overhead, split evenly,
 * minus Spark's own per-executor overhead (10%, at least 384 MB). The driver gets 10% of the
 * head's memory, between 1 and 8 GB. All figures are MB.
 */
export interface SparkSizing {
  yarnMemoryMb: number;
  yarnVcores: number;
  executorCores: number;
  executorMemoryMb: number;
  executorsPerWorker: number;
  driverMemoryMb: number;
}

const GB = 1024;
const floorGb = (mb: number): number => Math.floor(mb / GB) * GB;
const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

export function executorCoresFor(cpus: number): number {
  if (cpus < 4) return Math.max(1, Math.floor(cpus));
  if (cpus <= 8 && cpus % 4 !== 0) return Math.floor(cpus);
  return 4;
}

/** Sizes for one worker type, or why one executor does not fit. */
export function sparkSizing(
  worker: { cpus: number; memoryMb: number },
  head: { memoryMb: number },
  yarnMemoryRatio = 0.8,
): SparkSizing | { error: string; neededMemoryMb: number } {
  const yarnMemoryMb = floorGb(worker.memoryMb * yarnMemoryRatio);
  const executorCores = executorCoresFor(worker.cpus);
  const executorsPerWorker = Math.max(1, Math.floor(worker.cpus / executorCores));
  const overheadMb = clamp(floorGb(yarnMemoryMb * 0.02), GB, 8 * GB) + GB;
  const perExecutorMb = floorGb((yarnMemoryMb - overheadMb) / executorsPerWorker);
  const executorMemoryMb = perExecutorMb - Math.max(Math.floor(perExecutorMb * 0.1), 384);
  if (perExecutorMb < GB || executorMemoryMb <= 0) {
    // The smallest worker that fits one executor: YARN needs the overhead plus 1 GB.
    const neededMemoryMb = Math.ceil((overheadMb + GB) / yarnMemoryRatio / GB) * GB;
    return {
      error: `${Math.round(worker.memoryMb)}M is too small for one Spark executor (YARN would offer ${yarnMemoryMb}M, of which ${overheadMb}M is overhead)`,
      neededMemoryMb,
    };
  }
  return {
    yarnMemoryMb,
    yarnVcores: Math.max(1, Math.floor(worker.cpus)),
    executorCores,
    executorMemoryMb,
    executorsPerWorker,
    driverMemoryMb: clamp(floorGb(head.memoryMb * 0.1), GB, 8 * GB),
  };
}
