/**
 * A cluster's view for the page, from what the core read: nodes with their heartbeat ages, the
 * controller's status without what the page has no use for, runtimes, the worker types. Pure.
 */
import type { ClusterConfig } from '../../config/types.js';
import type { ClusterInfo, NodeRow } from '../../core/cluster/nodes.js';
import type { ControllerStatus, NodeHeartbeat } from '../../core/state/store.js';
import type { ClusterRef, ClusterView, DashboardControllerStatus } from '../contract.js';

export interface ViewInput {
  ref: ClusterRef;
  config: ClusterConfig;
  rows: NodeRow[];
  info: ClusterInfo;
  heartbeats?: NodeHeartbeat[];
  status?: ControllerStatus | undefined;
  /** Why the head's state could not be read. */
  error?: string;
  now?: number;
}

export function pickStatus(s: ControllerStatus): DashboardControllerStatus {
  return {
    time: s.time,
    pass: s.pass,
    passMs: s.passMs,
    pending: s.pending,
    blocked: s.blocked,
    targets: s.targets,
    messages: s.messages,
  };
}

export function viewOf(input: ViewInput): ClusterView {
  const now = input.now ?? Date.now();
  const beats = new Map((input.heartbeats ?? []).map((h) => [h.nodeId, h.time]));
  const { config } = input;
  const controller: ClusterView['controller'] = input.status
    ? { status: pickStatus(input.status) }
    : { error: input.error ?? 'no status published yet (the controller is starting)' };
  return {
    ...input.ref,
    ...(input.info.headIp !== undefined ? { headIp: input.info.headIp } : {}),
    nodes: input.rows.map((r) => {
      const beat = beats.get(r.id);
      return { ...r, ...(beat !== undefined ? { heartbeatAgeMs: Math.max(0, now - beat) } : {}) };
    }),
    controller,
    runtimes: input.info.endpoints.map((e) => ({ runtime: e.runtime, name: e.name, url: e.url })),
    workerTypes: Object.entries(config.available_node_types)
      .filter(([name]) => name !== config.head_node_type)
      .map(([name, t]) => ({ name, min: t.min_workers, max: t.max_workers })),
  };
}
