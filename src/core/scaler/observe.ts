/**
 * A listed worker as the scaler sees it, from its tags and what the controller has seen of it
 * (heartbeat, resumes, last setup). The controller builds its passes from it, and `cloudtik plan`
 * builds its look ahead at the controller's first pass from it too, so both see the same nodes.
 */
import type { NodeInfo } from '../../providers/provider.js';
import { STARTING_STATES, TAG } from '../../providers/provider.js';
import type { ScalerNode } from './types.js';

/** A stopped worker is started again at most this many times by one controller, then replaced. */
export const MAX_RESUMES = 3;

/** What the controller has seen of a worker; nothing yet on its first look. */
export interface WorkerSeen {
  heartbeat?: { time: number; inUse: boolean };
  resumed?: { count: number; at: number };
  updatedAt?: number;
}

/** A worker's status: its status tag while it runs, else the container's state (`exited`, ...). */
export function statusOf(n: NodeInfo): string {
  return n.running ? (n.tags[TAG.nodeStatus] ?? 'unknown') : n.state;
}

export function toScalerNode(n: NodeInfo, seen: WorkerSeen = {}): ScalerNode {
  return {
    id: n.id,
    nodeType: n.nodeType,
    ip: n.ip,
    running: n.running,
    starting: !n.running && STARTING_STATES.has(n.state),
    resumable:
      !n.running &&
      n.tags[TAG.nodeStatus] === 'up-to-date' &&
      n.tags[TAG.killed] === undefined &&
      (seen.resumed?.count ?? 0) < MAX_RESUMES,
    resumedAt: seen.resumed?.at,
    updatedAt: seen.updatedAt,
    status: statusOf(n),
    launchHash: n.tags[TAG.launchConfig] ?? '',
    createdAt: n.createdAt,
    heartbeatAt: seen.heartbeat?.time,
    inUse: seen.heartbeat?.inUse ?? false,
  };
}
