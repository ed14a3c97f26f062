/**
 * The cluster's events as they come, newest first: the controller's (`cluster` events) and the
 * dashboard's own actions (`action` events: started, done, failed), plus requests the server
 * refused before an action could start.
 */
import type { ActionEvent } from '../contract.js';
import type { ClusterEvent } from '../../core/state/store.js';
import { formatTime, h, pill } from './dom.js';

/** Entries kept on the page; older ones drop off the end. */
const MAX_ENTRIES = 300;

export class EventLog {
  readonly element = h('ol', { class: 'events', 'aria-live': 'polite' });
  /** Keys of the entries shown: a reconnected stream sends its last events again. */
  private readonly seen = new Set<string>();

  cluster(e: ClusterEvent): void {
    const key = `c:${e.time}:${e.kind}:${e.reason}:${e.message}`;
    const unnamed = (e.nodeIds ?? []).filter((id) => !e.message.includes(id));
    const nodes = unnamed.length ? ` (${unnamed.join(', ')})` : '';
    this.add(
      key,
      e.time,
      pill(e.kind),
      h('span', {}, `${e.message}${nodes}`),
      e.reason && h('span', { class: 'detail' }, e.reason),
    );
  }

  action(e: ActionEvent): void {
    const state = { start: 'started', done: 'done', fail: 'failed' }[e.state];
    const key = `a:${e.actionId}:${e.state}`;
    this.add(key, e.time, pill(state), h('span', {}, e.title), e.detail && h('span', { class: 'detail' }, e.detail));
  }

  /** An action the dashboard refused (or could not be reached for): it never started. */
  refused(title: string, why: string): void {
    const now = Date.now();
    this.add(`r:${now}:${title}`, now, pill('refused'), h('span', {}, title), h('span', { class: 'detail' }, why));
  }

  private add(key: string, time: number, ...parts: (Node | string | false | undefined)[]): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const item = h('li', { 'data-time': time }, h('time', {}, formatTime(time)), ...parts);
    // Newest first; an older event arriving late (the stream's first batch) goes to its place.
    const after = [...this.element.children].find((li) => Number((li as HTMLElement).dataset.time) <= time);
    this.element.insertBefore(item, after ?? null);
    while (this.element.children.length > MAX_ENTRIES) this.element.lastElementChild?.remove();
  }
}
