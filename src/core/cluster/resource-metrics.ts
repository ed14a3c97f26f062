/**
 * `cloudtik resource-metrics`: CPU and memory use per node, from the heartbeats each node's agent
 * sends the head's state store every second (its control group's figures), and their sum.
 */
import type { ClusterConfig } from '../../config/types.js';
import type { NodeInfo } from '../../providers/provider.js';
import { systemClock } from '../clock.js';
import type { NodeHeartbeat } from '../state/store.js';
import { openCluster } from './context.js';
import { openHeadStore } from './head-state.js';
import { requireHead } from './nodes.js';
import { HEARTBEAT_STALE_MS } from './health.js';

export interface NodeMetrics {
  node: string;
  ip: string | undefined;
  kind: string;
  nodeType: string;
  cpus: number;
  /** Cores in use (utilization × cores). */
  cpusUsed: number;
  /** 0..1. */
  cpuUtilization: number;
  memoryTotal: number;
  memoryUsed: number;
  /** ms since the heartbeat the figures come from; undefined: none. */
  ageMs?: number;
  stale: boolean;
}

export interface ClusterMetrics {
  nodes: NodeMetrics[];
  total: { cpus: number; cpusUsed: number; memoryTotal: number; memoryUsed: number };
}

/** One row per running node (head first), with zeros and `stale` where no fresh heartbeat is known. Pure. */
export function clusterMetrics(
  nodes: readonly NodeInfo[],
  beats: readonly NodeHeartbeat[],
  now: number,
): ClusterMetrics {
  const byId = new Map(beats.map((b) => [b.nodeId, b]));
  const rows = nodes
    .filter((n) => n.running)
    .map((n): NodeMetrics => {
      const hb = byId.get(n.id);
      const ageMs = hb ? Math.max(0, now - hb.time) : undefined;
      return {
        node: n.id,
        ip: n.ip,
        kind: n.kind,
        nodeType: n.nodeType,
        cpus: hb?.cpus ?? n.limits.cpus,
        cpusUsed: hb ? hb.cpus * hb.cpuUtilization : 0,
        cpuUtilization: hb?.cpuUtilization ?? 0,
        memoryTotal: hb?.memoryTotal ?? n.limits.memoryBytes,
        memoryUsed: hb?.memoryUsed ?? 0,
        ...(ageMs === undefined ? {} : { ageMs }),
        stale: ageMs === undefined || ageMs > HEARTBEAT_STALE_MS,
      };
    });
  const sum = (f: (r: NodeMetrics) => number): number => rows.reduce((s, r) => s + f(r), 0);
  return {
    nodes: rows,
    total: {
      cpus: sum((r) => r.cpus),
      cpusUsed: sum((r) => r.cpusUsed),
      memoryTotal: sum((r) => r.memoryTotal),
      memoryUsed: sum((r) => r.memoryUsed),
    },
  };
}

export async function resourceMetrics(config: ClusterConfig): Promise<ClusterMetrics> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const nodes = await ctx.provider.listNodes();
  const head = requireHead(config, nodes);
  const store = await openHeadStore(ctx, head);
  try {
    return clusterMetrics(nodes, await store.heartbeats(), systemClock.now());
  } finally {
    await store.close();
  }
}
