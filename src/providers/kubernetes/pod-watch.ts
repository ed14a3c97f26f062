/**
 * A live view of a cluster's pods for the waits on them (to run, to be gone): one list, then a
 * watch from the list's resourceVersion. Looking again and again meant a list every 50 ms: each a
 * read of the API server's store and the parse of every pod of the cluster here, on the machine
 * the pods start on. The watch sends each change once, when it happens, so a wait also sees it at
 * once instead of at its next look.
 *
 * When the watch ends (the server closes it, the resourceVersion is too old), the view says so
 * (`live` is false) and the waits go back to listing.
 */
import type { KubeApi } from './api.js';
import type { Pod } from './pods.js';

export class PodWatch {
  private readonly byName = new Map<string, Pod>();
  private readonly listeners = new Set<() => void>();
  private controller?: AbortController;
  private ended = false;

  /** A view of `pods` (a list's items), kept up to date by the events given to {@link apply}. */
  constructor(pods: Pod[]) {
    for (const p of pods) this.byName.set(p.metadata?.name ?? '', p);
  }

  /** List the pods `labelSelector` picks in `namespace`, then follow them. */
  static async open(api: KubeApi, namespace: string, labelSelector: string): Promise<PodWatch> {
    const list = await api.core.listNamespacedPod({ namespace, labelSelector });
    const view = new PodWatch(list.items);
    const watch = new api.lib.Watch(api.config);
    view.controller = await watch.watch(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      { labelSelector, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type: string, object: Pod) => view.apply(type, object),
      () => view.end(),
    );
    return view;
  }

  /** Whether the view still follows the pods (else list them). */
  get live(): boolean {
    return !this.ended;
  }

  /** The pods as last seen, those being deleted among them. */
  pods(): Pod[] {
    return [...this.byName.values()];
  }

  /** Call `listener` at each change, and once the watch ends; returns how to stop. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.end();
    this.controller?.abort();
  }

  /** One event of the stream: its type and object (for `ERROR`, a Status: too old a resourceVersion, say). */
  apply(type: string, object: Pod): void {
    const name = object.metadata?.name ?? '';
    if (type === 'ADDED' || type === 'MODIFIED') this.byName.set(name, object);
    else if (type === 'DELETED') this.byName.delete(name);
    else if (type === 'ERROR') return this.end();
    else return; // BOOKMARK: nothing changed
    this.announce();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.announce();
  }

  private announce(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
