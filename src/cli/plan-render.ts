/**
 * How a start plan reads: the cluster's own items, then one row per node with what happens to it
 * and why. Pure; `cloudtik plan` and `cloudtik start --plan` print it (`--json` gives the plan).
 */
import type { ClusterPlan } from '../core/cluster/plan.js';
import type { NodeAction, NodeStep } from '../core/plan-start/decide.js';
import { renderTable, type Column, type Tint } from './table.js';

const TINTS: Record<NodeAction, Tint | undefined> = {
  create: 'green',
  setup: 'yellow',
  restart: undefined,
  replace: 'red',
  resume: 'yellow',
  terminate: 'red',
  nothing: 'dim',
};

/** `because: a, b` when the changed inputs are known; an empty list says the change is elsewhere. */
export function stepWhy(step: Pick<NodeStep, 'reason' | 'changed'>): string {
  if (step.changed === undefined || step.changed.length === 0) return step.reason;
  return `${step.reason}: ${step.changed.join(', ')}`;
}

const COLUMNS: Column<NodeStep>[] = [
  { header: 'node', cell: (s) => s.node ?? (s.count === 1 ? '(new)' : `(${s.count ?? 0} new)`) },
  { header: 'ip', cell: (s) => s.ip ?? '-' },
  { header: 'kind', cell: (s) => s.kind },
  { header: 'type', cell: (s) => s.nodeType },
  { header: 'action', cell: (s) => s.action, tint: (s) => TINTS[s.action] },
  { header: 'by', cell: (s) => (s.by === 'start' ? 'start' : 'head controller') },
  { header: 'why', cell: stepWhy },
];

/** `2 setup, 1 create (3 nodes), 1 nothing` in the actions' fixed order. */
export function planCounts(nodes: readonly NodeStep[]): string {
  const order: NodeAction[] = ['create', 'replace', 'setup', 'resume', 'restart', 'terminate', 'nothing'];
  return order
    .flatMap((a) => {
      const of = nodes.filter((s) => s.action === a);
      if (of.length === 0) return [];
      const made = of.reduce((n, s) => n + (s.count ?? 1), 0);
      return [a === 'create' && made !== of.length ? `${of.length} create (${made} nodes)` : `${of.length} ${a}`];
    })
    .join(', ');
}

export function renderPlan(plan: ClusterPlan, options: { color?: boolean } = {}): string {
  const lines = [`Plan of cloudtik start for cluster ${plan.cluster} in workspace ${plan.workspace} (${plan.mode}):`];
  for (const item of plan.items) lines.push(`  ${item.kind} ${item.name}: ${item.action} (${item.reason})`);
  lines.push('', renderTable(COLUMNS, plan.nodes, { color: options.color }), '');
  const changes = plan.nodes.some((s) => s.action !== 'nothing') || plan.items.length > 0;
  lines.push(`${planCounts(plan.nodes)}${changes ? '' : ': nothing to do'}. Nothing was changed.`);
  return lines.join('\n');
}
