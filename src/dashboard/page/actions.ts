/**
 * Running an action from the page: ask first (the page's own dialog), then POST it. The dashboard
 * answers at once and reports how the action goes as `action` events on the cluster's stream; a
 * request it refuses (or that never reaches it) goes into the events list here.
 */
import type { Api } from './api.js';
import { confirmAction } from './confirm.js';
import type { EventLog } from './events-log.js';

export interface Action {
  question: string;
  /** The confirming button's label. */
  verb: string;
  danger?: boolean;
  path: string;
  body?: object;
  /** Makes the body once confirmed (reading a file takes a while); a throw refuses the action. */
  prepare?: () => Promise<object>;
  /** How the events list names the action if it is refused (default: the verb). */
  title?: string;
}

/** Confirm and send an action; true once the dashboard accepted it. */
export type Act = (action: Action) => Promise<boolean>;

export function actionRunner(api: Api, events: EventLog): Act {
  return async (action) => {
    if (!(await confirmAction(action.question, action.verb, action.danger))) return false;
    try {
      const body = action.prepare ? await action.prepare() : action.body;
      await api.post(action.path, body);
      return true;
    } catch (err) {
      events.refused(action.title ?? action.verb.toLowerCase(), err instanceof Error ? err.message : String(err));
      return false;
    }
  };
}
