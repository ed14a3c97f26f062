import type { ClusterConfig } from '../../config/types.js';
import { idleTimeoutMs } from './terminate.js';
import type { ScalerConfig } from './types.js';

/**
 * The scaler's view of a cluster config: its worker types, caps and timeouts. `launchHashes` gives
 * each type's current launch hash (the controller's; omitted where they do not matter).
 */
export function scalerConfigOf(
  config: ClusterConfig,
  options: { launchHashes?: Record<string, string>; heartbeatTimeoutMs?: number } = {},
): ScalerConfig {
  const workerTypes: ScalerConfig['workerTypes'] = {};
  for (const [name, t] of Object.entries(config.available_node_types)) {
    if (name === config.head_node_type) continue;
    workerTypes[name] = {
      name,
      resources: t.resources,
      minWorkers: t.min_workers,
      maxWorkers: t.max_workers,
      launchPriority: t.launch_priority ?? 0,
      launchHash: options.launchHashes?.[name] ?? '',
    };
  }
  return {
    headNodeType: config.head_node_type,
    workerTypes,
    maxWorkers: config.max_workers,
    upscalingSpeed: config.options.upscaling_speed,
    idleTimeoutMs: idleTimeoutMs(config.options.idle_timeout_minutes),
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 30_000,
    headResources: config.available_node_types[config.head_node_type]?.resources ?? {},
  };
}
