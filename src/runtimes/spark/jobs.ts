/**
 * What a Spark job asks of the cluster by default, from the cluster's Spark sizing and the
 * job's own spark-submit options: its driver (on the head, with its application master inside,
 * see spark-defaults.conf) and its executors. Without a fixed number of executors, dynamic
 * allocation starts one (spark.dynamicAllocation.initialExecutors).
 */
import { memoryMb, type Resources } from '../../core/jobs/model.js';
import { nodeSizes } from './sizing.js';

/** Spark's own overhead on top of an executor's memory: 10%, at least 384 MB. */
const overheadMb = (mb: number): number => Math.max(Math.floor(mb * 0.1), 384);

/** spark-submit's options as name -> value: `--driver-memory 1g` and `--conf spark.x=y` alike. */
export function submitOptions(runtimeOptions: string): Map<string, string> {
  const words = runtimeOptions.trim().split(/\s+/).filter(Boolean);
  const out = new Map<string, string>();
  const flags: Record<string, string> = {
    '--driver-memory': 'spark.driver.memory',
    '--driver-cores': 'spark.driver.cores',
    '--executor-memory': 'spark.executor.memory',
    '--executor-cores': 'spark.executor.cores',
    '--num-executors': 'spark.executor.instances',
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    const [flag, inline] =
      w.includes('=') && w.startsWith('--')
        ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]
        : [w, undefined];
    const value = inline ?? words[i + 1];
    if (value === undefined) continue;
    if (flag === '--conf') {
      const eq = value.indexOf('=');
      if (eq > 0) out.set(value.slice(0, eq), value.slice(eq + 1));
    } else if (flags[flag]) {
      out.set(flags[flag], value);
    } else continue;
    if (inline === undefined) i++;
  }
  return out;
}

/** The resources a Spark job asks for: the driver plus its executors, as configured. */
export function sparkJobRequest(sparkOptions: Record<string, unknown>, runtimeOptions = ''): Resources {
  const sizes = nodeSizes(sparkOptions.spark_executor_resource as Record<string, number> | undefined);
  const o = submitOptions(runtimeOptions);
  const num = (key: string, fallback: number): number => {
    const n = Number(o.get(key));
    return o.has(key) && Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const mem = (key: string, fallback: number): number => memoryMb(o.get(key) ?? '') ?? fallback;
  const executors = num('spark.executor.instances', num('spark.dynamicAllocation.initialExecutors', 1));
  const executorMb = mem('spark.executor.memory', sizes.executorMemoryMb);
  const driverMb = mem('spark.driver.memory', sizes.driverMemoryMb);
  return {
    cpu: num('spark.driver.cores', 1) + executors * num('spark.executor.cores', sizes.executorCores),
    memoryMb: driverMb + executors * (executorMb + overheadMb(executorMb)),
  };
}
