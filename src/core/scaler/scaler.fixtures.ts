/** Builders shared by the scaler's table tests (not part of the build). */
import type { ResourceBundle, ScalerConfig, ScalerNodeType } from './types.js';

export const S = 1000;
export const MIN = 60 * S;
export const NOW = 1_000_000_000;
export const W = 'worker.default';

/** A worker type of 4 CPUs (or `cpus`), no min_workers, and `max_workers` 10 unless given. */
export function type(name: string, over: Partial<ScalerNodeType> & { cpus?: number } = {}): ScalerNodeType {
  const { cpus = 4, ...rest } = over;
  return {
    name,
    resources: { CPU: cpus, [name]: 1 },
    minWorkers: 0,
    maxWorkers: 10,
    launchPriority: 0,
    launchHash: 'h1',
    ...rest,
  };
}

export function config(types: ScalerNodeType[] = [type(W)], over: Partial<ScalerConfig> = {}): ScalerConfig {
  return {
    headNodeType: 'head.default',
    workerTypes: Object.fromEntries(types.map((t) => [t.name, t])),
    maxWorkers: 100,
    upscalingSpeed: 1,
    idleTimeoutMs: 5 * MIN,
    heartbeatTimeoutMs: 30 * S,
    headResources: { CPU: 4, 'head.default': 1 },
    ...over,
  };
}

export const times = (n: number, b: ResourceBundle): ResourceBundle[] => Array.from({ length: n }, () => ({ ...b }));
