/**
 * The dashboard's actions run in the background: each is accepted at once with an id, and says
 * how it goes (start, then done or fail with the error's message and hint) as `action` events in
 * its cluster's stream.
 */
import crypto from 'node:crypto';
import { isCloudtikError } from '../../core/errors.js';
import { errorMessage } from '../../core/events.js';
import type { ActionAccepted, ActionEvent, ClusterRef } from '../contract.js';

export type ActionPublisher = (ref: ClusterRef, event: ActionEvent) => void;

/** An error as a failed action says it: its message, then its hint. */
export function failureDetail(err: unknown): string {
  const message = errorMessage(err);
  return isCloudtikError(err) && err.hint ? `${message} (${err.hint})` : message;
}

export class ActionRunner {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly publish: ActionPublisher,
    private readonly now: () => number = Date.now,
  ) {}

  /** Start `work` in the background; resolves at once with the action's id and title. */
  start(ref: ClusterRef, title: string, work: () => Promise<string>): ActionAccepted {
    const actionId = `a-${crypto.randomBytes(6).toString('hex')}`;
    const event = (state: ActionEvent['state'], detail?: string): ActionEvent => ({
      actionId,
      title,
      state,
      time: this.now(),
      ...(detail !== undefined ? { detail } : {}),
    });
    this.publish(ref, event('start'));
    const run = work().then(
      (detail) => this.publish(ref, event('done', detail)),
      (err: unknown) => this.publish(ref, event('fail', failureDetail(err))),
    );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return { actionId, title };
  }

  /** How many actions are still running. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves when every action started so far has ended. */
  async settle(): Promise<void> {
    await Promise.all([...this.running]);
  }
}
