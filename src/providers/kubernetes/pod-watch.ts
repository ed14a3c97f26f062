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

/** What a watch stream carries: an event type and the object (an error Status for `ERROR`). */
type WatchEvent = { type: string; object: Pod & { message?: string } };

/** A promise and the function that resolves it (Node 20 has no Promise.withResolvers). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class PodWatch {
  private readonly byName = new Map<string, Pod>();
  private news = signal();
  private controller?: AbortController;
  private endedWith?: string;

  private constructor() {}

  /** List the pods `labelSelector` picks in `namespace`, then follow them. */
  static async open(api: KubeApi, namespace: string, labelSelector: string): Promise<PodWatch> {
    const view = new PodWatch();
    const list = await api.core.listNamespacedPod({ namespace, labelSelector });
    for (const p of list.items as Pod[]) view.byName.set(p.metadata?.name ?? '', p);
    const watch = new api.lib.Watch(api.config);
    view.controller = await watch.watch(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      { labelSelector, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type: string, object: WatchEvent['object']) => view.apply({ type, object }),
      (err: unknown) => view.end(err instanceof Error ? err.message : 'the watch was closed'),
    );
    return view;
  }

  /** Whether the view still follows the pods (else list them). */
  get live(): boolean {
    return this.endedWith === undefined;
  }

  /** Why the watch ended, if it did. */
  get ended(): string | undefined {
    return this.endedWith;
  }

  /** The pods as last seen, those being deleted among them. */
  pods(): Pod[] {
    return [...this.byName.values()];
  }

  /** Resolves at the next change, or once the watch ends. */
  changed(): Promise<void> {
    return this.news.promise;
  }

  close(): void {
    this.end('closed');
    this.controller?.abort();
  }

  /** One event of the stream. */
  private apply(e: WatchEvent): void {
    const name = e.object.metadata?.name ?? '';
    if (e.type === 'ADDED' || e.type === 'MODIFIED') this.byName.set(name, e.object);
    else if (e.type === 'DELETED') this.byName.delete(name);
    else if (e.type === 'ERROR') this.end(e.object.message ?? 'the watch failed');
    else return; // BOOKMARK: nothing changed
    this.announce();
  }

  private end(why: string): void {
    if (this.endedWith !== undefined) return;
    this.endedWith = why;
    this.announce();
  }

  private announce(): void {
    const { resolve } = this.news;
    this.news = signal();
    resolve();
  }

  /** A view fed by hand, for unit tests of the waits' logic. */
  static forTest(pods: Pod[]): { view: PodWatch; event: (type: string, pod: Pod) => void } {
    const view = new PodWatch();
    for (const p of pods) view.byName.set(p.metadata?.name ?? '', p);
    return { view, event: (type, object) => view.apply({ type, object }) };
  }
}
