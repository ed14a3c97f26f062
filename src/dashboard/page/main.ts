/**
 * The dashboard page: `#/` lists the workspaces and clusters, `#/c/<provider>/<workspace>/<cluster>`
 * shows one. The token comes from the page's own URL and stays in memory.
 */
import { Api, pageToken } from './api.js';
import { showCluster } from './cluster-view.js';
import { showClusters } from './clusters-view.js';
import { fill, h } from './dom.js';

const main = document.querySelector('main') as HTMLElement;
const VIEW_DRAWN = 'cloudtik:view-drawn';
let leave: (() => void) | undefined;
/** Counts route changes: a view that finishes loading after the user moved on is left at once. */
let shown = 0;

async function route(api: Api): Promise<void> {
  leave?.();
  leave = undefined;
  const mine = ++shown;
  const m = /^#\/c\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(location.hash);
  try {
    if (m) {
      const [provider, workspace, cluster] = m.slice(1).map(decodeURIComponent) as [string, string, string];
      document.title = `${cluster} · CloudTik`;
      const stop = await showCluster(api, main, { provider, workspace, cluster });
      if (mine === shown) leave = stop;
      else stop();
    } else {
      document.title = 'Clusters · CloudTik';
      await showClusters(api, main);
    }
    // When the view's data is drawn (bench/dashboard.mjs reads it beside the first paint).
    performance.mark(VIEW_DRAWN);
  } catch (err) {
    if (mine === shown)
      fill(main, h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err)));
  }
}

const token = pageToken();
if (token === undefined) {
  fill(
    main,
    h(
      'p',
      { class: 'error', role: 'alert' },
      'Open this page with the URL `cloudtik dashboard` printed: it carries the token.',
    ),
  );
} else {
  const api = new Api(token);
  window.addEventListener('hashchange', () => void route(api));
  void route(api);
}
