/**
 * The parts of a cluster's view drawn from its `ClusterView`: the nodes (with kill buttons), the
 * scale form, the controller's targets and reasons, and the runtimes' links.
 */
import type { ClusterView, DashboardNode } from '../contract.js';
import { formatDuration } from '../../core/scaler/format.js';
import { formatMemory } from '../../core/units.js';
import { routePath } from './api.js';
import type { Act } from './actions.js';
import { formatTime, h, pill } from './dom.js';

/** A heartbeat older than this shows in red (agents send one a second). */
const LATE_MS = 10_000;

/** A heartbeat age as of when the view arrived; the page ages it every second by itself. */
function heartbeatCell(node: DashboardNode, receivedAt: number): HTMLTableCellElement {
  if (node.heartbeatAgeMs === undefined) return h('td', { class: 'muted' }, '—');
  const since = receivedAt - node.heartbeatAgeMs;
  const cell = h('td', { class: 'heartbeat', 'data-since': since }, formatDuration(Date.now() - since));
  cell.classList.toggle('late', node.heartbeatAgeMs > LATE_MS);
  return cell;
}

/** Refresh every heartbeat age under `root` (called once a second). */
export function tickHeartbeats(root: ParentNode): void {
  for (const cell of root.querySelectorAll<HTMLElement>('td.heartbeat')) {
    const age = Date.now() - Number(cell.dataset.since);
    cell.textContent = formatDuration(age);
    cell.classList.toggle('late', age > LATE_MS);
  }
}

export function nodesTable(view: ClusterView, receivedAt: number, act: Act): HTMLElement {
  const rows = view.nodes.map((n) =>
    h(
      'tr',
      { 'data-node': n.id, 'data-kind': n.kind },
      h('td', { class: 'mono' }, n.id),
      h('td', {}, n.kind),
      h('td', {}, n.nodeType),
      h('td', { class: 'mono' }, n.ip ?? '—'),
      h('td', {}, pill(n.status)),
      h('td', { class: 'small' }, `${n.cpus} CPU, ${formatMemory(n.memoryBytes, { iec: true })}`),
      heartbeatCell(n, receivedAt),
      h('td', {}, n.kind === 'worker' && n.state === 'running' && killButton(n, view, act)),
    ),
  );
  return h(
    'table',
    { class: 'nodes' },
    h(
      'thead',
      {},
      h('tr', {}, ...['Node', 'Kind', 'Type', 'IP', 'Status', 'Size', 'Heartbeat', ''].map((t) => h('th', {}, t))),
    ),
    h('tbody', {}, ...rows),
  );
}

function killButton(n: DashboardNode, view: ClusterView, act: Act): HTMLButtonElement {
  const question = `Kill worker ${n.ip ?? n.id} of cluster ${view.cluster}? Its services stop first; the controller replaces it if the cluster's minimum needs it.`;
  return h(
    'button',
    {
      type: 'button',
      class: 'small danger-text',
      onclick: () =>
        void act({
          question,
          verb: 'Kill worker',
          danger: true,
          path: routePath('killNode', { ...view, nodeId: n.id }),
        }),
    },
    'Kill',
  );
}

/** Scale: a number of workers of one type (or of all, when the cluster has one worker type). */
export function scaleForm(view: ClusterView, act: Act): HTMLElement {
  const types = view.workerTypes;
  const current = (type: string) => view.nodes.filter((n) => n.kind === 'worker' && n.nodeType === type).length;
  const first = types[0];
  const select = h(
    'select',
    { name: 'workerType', 'aria-label': 'Worker type' },
    ...types.map((t) => h('option', { value: t.name }, `${t.name} (${t.min}–${t.max})`)),
  );
  const count = h('input', {
    type: 'number',
    name: 'workers',
    min: 0,
    value: first ? current(first.name) : 0,
    'aria-label': 'Workers',
    required: true,
  });
  select.addEventListener('change', () => {
    const t = types.find((x) => x.name === select.value);
    if (t) {
      count.value = String(current(t.name));
      count.max = String(t.max);
    }
  });
  if (first) count.max = String(first.max);
  const form = h(
    'form',
    { class: 'inline' },
    h('label', {}, 'Workers ', count),
    types.length > 1 && select,
    h('button', { type: 'submit' }, 'Scale'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const workers = Number(count.value);
    const workerType = types.length > 1 ? select.value : undefined;
    const what = workerType ? `${workers} × ${workerType}` : `${workers} worker${workers === 1 ? '' : 's'}`;
    void act({
      question: `Scale cluster ${view.cluster} to ${what}?`,
      verb: 'Scale',
      path: routePath('scale', view),
      body: { workers, workerType },
    });
  });
  return types.length === 0 ? h('p', { class: 'muted' }, 'This cluster has no worker type to scale.') : form;
}

export function controllerPanel(view: ClusterView): HTMLElement {
  const { status, error } = view.controller;
  if (!status) return h('p', { class: 'muted' }, error ?? 'The controller has not published a status yet.');
  const rows = Object.entries(status.targets).map(([type, t]) =>
    h(
      'tr',
      {},
      h('td', {}, type),
      h('td', {}, `${t.min}–${t.max}`),
      h('td', {}, `${t.upToDate} / ${t.total}`),
      h('td', {}, status.pending[type] ?? 0),
      h('td', { class: 'small' }, status.blocked[type] ?? ''),
    ),
  );
  return h(
    'div',
    { class: 'stack' },
    h('p', { class: 'muted small' }, `Pass ${status.pass} at ${formatTime(status.time)}, took ${status.passMs} ms`),
    h(
      'table',
      { class: 'targets' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Worker type', 'Min–max', 'Up to date / all', 'Launching', 'Blocked'].map((t) => h('th', {}, t)),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
    status.messages.length > 0 && h('ul', { class: 'messages' }, ...status.messages.map((m) => h('li', {}, m))),
  );
}

/** Links to the runtimes' own web UIs: plain links to their addresses, never carrying the token. */
export function runtimesList(view: ClusterView): HTMLElement {
  if (view.runtimes.length === 0) return h('p', { class: 'muted' }, 'No runtime with a web UI.');
  return h(
    'ul',
    { class: 'runtimes' },
    ...view.runtimes.map((r) =>
      h(
        'li',
        {},
        /^https?:\/\//.test(r.url)
          ? h('a', { href: r.url, target: '_blank', rel: 'noopener noreferrer' }, r.name)
          : r.name,
        ' ',
        h('span', { class: 'muted small' }, r.runtime),
      ),
    ),
  );
}
