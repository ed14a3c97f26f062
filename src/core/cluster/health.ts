/**
 * `cloudtik health-check`: the head's state store and controller, every node's agent (its
 * heartbeats) and every supervised service, each named as `<node> <component>` when it fails.
 */
import type { ClusterConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { systemClock } from '../clock.js';
import type { ControllerStatus, NodeHeartbeat } from '../state/store.js';
import { openCluster } from './context.js';
import { openHeadStore } from './head-state.js';
import { clusterProcesses, type ProcessRow } from './node-processes.js';
import { requireHead } from './nodes.js';

/** A heartbeat older than this means the node's agent has stopped reporting (it beats every second). */
export const HEARTBEAT_STALE_MS = 15_000;
/** The controller publishes its status every pass (a few seconds); older than this it is stuck or gone. */
export const CONTROLLER_STALE_MS = 60_000;

export interface HealthCheck {
  node: string;
  ip: string | undefined;
  component: string;
  healthy: boolean;
  detail: string;
}

export interface HealthInput {
  nodes: readonly NodeInfo[];
  processes: readonly ProcessRow[];
  /** Heartbeats by node id, or why the state store could not be read. */
  heartbeats: ReadonlyMap<string, NodeHeartbeat> | { error: string };
  controller: ControllerStatus | { error: string } | undefined;
  now: number;
}

const age = (ms: number): string => `${Math.round(ms / 1000)}s ago`;

function heartbeatCheck(node: NodeInfo, input: HealthInput): HealthCheck {
  const base = { node: node.id, ip: node.ip, component: 'heartbeat' };
  if ('error' in input.heartbeats) return { ...base, healthy: false, detail: input.heartbeats.error };
  const hb = input.heartbeats.get(node.id);
  if (!hb) return { ...base, healthy: false, detail: 'no heartbeat from its agent' };
  const ms = input.now - hb.time;
  return ms > HEARTBEAT_STALE_MS
    ? { ...base, healthy: false, detail: `last heartbeat ${age(ms)}` }
    : { ...base, healthy: true, detail: `last heartbeat ${age(Math.max(0, ms))}` };
}

function controllerCheck(head: NodeInfo, input: HealthInput): HealthCheck {
  const base = { node: head.id, ip: head.ip, component: 'controller-status' };
  const c = input.controller;
  if (c === undefined) return { ...base, healthy: false, detail: 'the controller has published no status' };
  if ('error' in c) return { ...base, healthy: false, detail: c.error };
  const ms = input.now - c.time;
  return ms > CONTROLLER_STALE_MS
    ? { ...base, healthy: false, detail: `last pass ${age(ms)}` }
    : { ...base, healthy: true, detail: `pass ${c.pass}, ${age(Math.max(0, ms))}` };
}

/** Every check, head first. Pure. */
export function evaluateHealth(input: HealthInput): HealthCheck[] {
  const checks: HealthCheck[] = [];
  for (const node of input.nodes) {
    const status = node.tags[TAG.nodeStatus] ?? 'unknown';
    checks.push({
      node: node.id,
      ip: node.ip,
      component: 'node-status',
      healthy: status === 'up-to-date',
      detail: status,
    });
    for (const p of input.processes.filter((r) => r.node === node.id)) {
      checks.push({
        node: node.id,
        ip: node.ip,
        component: p.service,
        healthy: p.state === 'running',
        detail: p.state === 'running' ? `running (pid ${p.pid ?? '?'})` : 'not running',
      });
    }
    checks.push(heartbeatCheck(node, input));
    if (node.kind === 'head') checks.push(controllerCheck(node, input));
  }
  return checks;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Gather what {@link evaluateHealth} needs from the live cluster and evaluate it. */
export async function clusterHealth(config: ClusterConfig): Promise<HealthCheck[]> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const nodes = (await ctx.provider.listNodes()).filter((n) => n.running);
  const head = requireHead(config, nodes);
  const processes = await clusterProcesses(ctx, { nodes });
  let heartbeats: HealthInput['heartbeats'];
  let controller: HealthInput['controller'];
  try {
    const store = await openHeadStore(ctx, head);
    try {
      heartbeats = new Map((await store.heartbeats()).map((h) => [h.nodeId, h]));
      controller = (await store.status()) ?? undefined;
    } finally {
      await store.close();
    }
  } catch (err) {
    heartbeats = { error: `the head's state store does not answer: ${message(err)}` };
    controller = { error: `the head's state store does not answer: ${message(err)}` };
  }
  return evaluateHealth({ nodes, processes, heartbeats, controller, now: systemClock.now() });
}
