/**
 * The node agent: every second it tells the head's state store that this node lives, with its
 * CPU and memory use. The controller reads these heartbeats to heal and to retire idle workers.
 */
import type { Logger } from './log.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { NodeHeartbeat, StateStore } from '../core/state/store.js';
import { UsageSampler } from './metrics.js';

/** CPU use above this share of the node's cores counts as busy (CloudTik's `in_use_cpu_load_threshold`). */
export const IN_USE_CPU_THRESHOLD = 0.1;

export interface AgentOptions {
  store: StateStore;
  identity: { nodeId: string; nodeIp: string; kind: string; nodeType: string; seqId: number };
  intervalMs?: number;
  log: Logger;
  signal: AbortSignal;
  clock?: Clock;
  sampler?: { sample(): Omit<NodeHeartbeat, 'nodeId' | 'ip' | 'kind' | 'nodeType' | 'seqId' | 'time' | 'inUse'> };
}

export async function runAgent(options: AgentOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  const sampler = options.sampler ?? new UsageSampler();
  const interval = options.intervalMs ?? 1000;
  const { identity, log } = options;
  let failing = false;
  log.info({ node: identity.nodeId, ip: identity.nodeIp }, 'node agent started');
  while (!options.signal.aborted) {
    const usage = sampler.sample();
    const hb: NodeHeartbeat = {
      nodeId: identity.nodeId,
      ip: identity.nodeIp,
      kind: identity.kind,
      nodeType: identity.nodeType,
      seqId: identity.seqId,
      time: clock.now(),
      ...usage,
      inUse: usage.cpuUtilization > IN_USE_CPU_THRESHOLD,
    };
    try {
      await options.store.putHeartbeat(hb);
      if (failing) log.info('heartbeats reach the state store again');
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err }, 'cannot send a heartbeat; retrying');
      failing = true;
    }
    await clock.sleep(interval, options.signal).catch(() => undefined);
  }
  log.info('node agent stopped');
}
