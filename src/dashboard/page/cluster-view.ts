/**
 * One cluster: its nodes, the controller's targets and reasons, runtimes, jobs and events. The view
 * is drawn from one GET of the cluster and of its jobs, then kept current by the cluster's event
 * stream (`status`, `jobs`, `cluster` and `action` events): no polling.
 */
import type { ActionEvent, ClusterRef, ClusterView, JobsResponse } from '../contract.js';
import type { ClusterEvent } from '../../core/state/store.js';
import { actionRunner, type Act } from './actions.js';
import { routePath, type Api } from './api.js';
import { controllerPanel, nodesTable, runtimesList, scaleForm, tickHeartbeats } from './cluster-parts.js';
import { fill, h, pill } from './dom.js';
import { EventLog } from './events-log.js';
import { JobsPanel } from './jobs-panel.js';

/** Draw the view into `main`; resolves with what stops its streams and timers when the view is left. */
export async function showCluster(api: Api, main: HTMLElement, ref: ClusterRef): Promise<() => void> {
  const events = new EventLog();
  const act = actionRunner(api, events);
  const jobs = new JobsPanel(api, ref, act);
  const parts = {
    head: h('span', {}),
    nodes: h('div', {}),
    scale: h('div', {}),
    controller: h('div', {}),
    runtimes: h('div', {}),
  };
  const stop = h(
    'button',
    { type: 'button', class: 'danger', onclick: () => void stopCluster(act, ref) },
    'Stop cluster',
  );
  const live = h('span', {});
  const card = (title: string, ...body: Node[]) => h('section', { class: 'card' }, h('h2', {}, title), ...body);
  fill(
    main,
    h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, 'Clusters'), ` / ${ref.workspace} / `),
    h('div', { class: 'title-row' }, h('h1', {}, ref.cluster), stop),
    h('p', { class: 'muted small' }, parts.head, ' ', live),
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        { class: 'stack' },
        card('Nodes', parts.nodes, parts.scale),
        card('Controller', parts.controller),
        card('Jobs', jobs.element),
      ),
      h('div', { class: 'stack' }, card('Runtimes', parts.runtimes), card('Events', events.element)),
    ),
  );
  const draw = (view: ClusterView) => drawStatus(view, parts, act);
  const [view, jobList] = await Promise.all([
    api.get<ClusterView>(routePath('cluster', ref)),
    api.get<JobsResponse>(routePath('jobs', ref)),
  ]);
  draw(view);
  jobs.update(jobList.jobs);
  const stream = api.stream(routePath('events', ref));
  stream.addEventListener('open', () => live.replaceChildren(pill('live')));
  stream.addEventListener('error', () => live.replaceChildren(pill('reconnecting')));
  const on = <T>(name: string, handle: (data: T) => void) =>
    stream.addEventListener(name, (e: MessageEvent<string>) => handle(JSON.parse(e.data) as T));
  on<ClusterView>('status', draw);
  on<JobsResponse>('jobs', (r) => jobs.update(r.jobs));
  on<ClusterEvent>('cluster', (e) => events.cluster(e));
  on<ActionEvent>('action', (e) => events.action(e));
  const ticker = setInterval(() => tickHeartbeats(parts.nodes), 1000);
  return () => {
    stream.close();
    jobs.close();
    clearInterval(ticker);
  };
}

function drawStatus(
  view: ClusterView,
  parts: Record<'head' | 'nodes' | 'scale' | 'controller' | 'runtimes', HTMLElement>,
  act: Act,
): void {
  const running = view.nodes.filter((n) => n.state === 'running').length;
  parts.head.textContent = `${view.provider} · head ${view.headIp ?? 'not running'} · ${running} of ${view.nodes.length} nodes running`;
  fill(parts.nodes, nodesTable(view, Date.now(), act));
  // The form keeps what the user is typing: drawn again only when what it offers changed.
  const offer = JSON.stringify(view.workerTypes);
  if (parts.scale.dataset.offer !== offer) {
    parts.scale.dataset.offer = offer;
    fill(parts.scale, scaleForm(view, act));
  }
  fill(parts.controller, controllerPanel(view));
  fill(parts.runtimes, runtimesList(view));
}

function stopCluster(act: Act, ref: ClusterRef): Promise<boolean> {
  return act({
    question: `Stop cluster ${ref.cluster} of workspace ${ref.workspace}? Every node is stopped and removed; running jobs end.`,
    verb: 'Stop cluster',
    danger: true,
    path: routePath('stop', ref),
  });
}
