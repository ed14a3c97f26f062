/** The first view: every workspace and its clusters, each linking to its own view. */
import type { ClusterListItem, ClustersResponse } from '../contract.js';
import { routePath, type Api } from './api.js';
import { fill, h } from './dom.js';

/** The hash a cluster's view lives at. */
function clusterHash(c: { provider: string; workspace: string; cluster: string }): string {
  return `#/c/${[c.provider, c.workspace, c.cluster].map(encodeURIComponent).join('/')}`;
}

export async function showClusters(api: Api, main: HTMLElement): Promise<void> {
  const refresh = h('button', { type: 'button', onclick: () => void showClusters(api, main) }, 'Refresh');
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Looking for clusters…'));
  fill(main, h('div', { class: 'title-row' }, h('h1', {}, 'Clusters'), refresh), body);
  const list = await api.get<ClustersResponse>(routePath('clusters'));
  const warnings = (list.warnings ?? []).map((w) => h('p', { class: 'warning' }, w));
  if (list.workspaces.length === 0) {
    const none = h('p', { class: 'muted' }, 'No workspace found. Create one with `cloudtik workspace create`.');
    fill(body, ...warnings, none);
    return;
  }
  fill(body, ...warnings, ...list.workspaces.map((ws) => workspaceCard(ws)));
}

function workspaceCard(ws: ClustersResponse['workspaces'][number]): HTMLElement {
  const rows = ws.clusters.map((c) => clusterRow(c));
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, ws.name, ' ', h('span', { class: 'muted small' }, ws.provider)),
    rows.length === 0
      ? h('p', { class: 'muted' }, 'No cluster in this workspace.')
      : h(
          'table',
          { class: 'clusters' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Cluster'), h('th', {}, 'Head'), h('th', {}, 'Nodes'), h('th', {}))),
          h('tbody', {}, ...rows),
        ),
  );
}

function clusterRow(c: ClusterListItem): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h('td', {}, h('a', { href: clusterHash(c) }, c.cluster)),
    h('td', { class: 'mono' }, c.headIp ?? '—'),
    h('td', {}, c.nodes),
    h('td', { class: 'muted small' }, c.manageable ? '' : 'view only: no config to act with on this machine'),
  );
}
