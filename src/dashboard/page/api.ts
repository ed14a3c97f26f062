/**
 * The page's side of the contract: the token it was opened with (kept in memory only), requests
 * with `Authorization: Bearer`, and event streams, which cannot set headers, with `?token=`.
 */
import { ROUTES, type ActionAccepted, type ClusterRef, type ErrorResponse } from '../contract.js';

type RouteName = keyof typeof ROUTES;

/** Why a stream the server ended could not go on (its `error` event), as one line. */
export function streamError(data: string): string {
  return errorMessage(0, data);
}

/** A route's path with its parameters filled in (each encoded). */
export function routePath(route: RouteName, params: Partial<ClusterRef> & { jobId?: string; nodeId?: string } = {}) {
  return ROUTES[route].replace(/:(\w+)/g, (_, key: string) => {
    const value = (params as Record<string, string | undefined>)[key];
    if (value === undefined) throw new Error(`route ${route} needs ${key}`);
    return encodeURIComponent(value);
  });
}

export class Api {
  constructor(private readonly token: string) {}

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** An action: accepted at once (202); how it ends comes as `action` events on the cluster's stream. */
  async post(path: string, body: object = {}): Promise<ActionAccepted> {
    return this.request<ActionAccepted>('POST', path, body);
  }

  /** An event stream; the browser reconnects it by itself when it drops. */
  stream(path: string): EventSource {
    return new EventSource(`${path}?token=${encodeURIComponent(this.token)}`);
  }

  private async request<T>(method: string, path: string, body?: object): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new Error('the dashboard does not answer (was `cloudtik dashboard` stopped?)');
    }
    const text = await res.text();
    if (!res.ok) throw new Error(errorMessage(res.status, text));
    return JSON.parse(text) as T;
  }
}

/** The server's words (an `ErrorResponse`: the error, its hint), or what the status means. */
function errorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as Partial<ErrorResponse>;
    if (body.error) return body.hint ? `${body.error} (${body.hint})` : body.error;
  } catch {
    // not JSON: the status says enough
  }
  if (status === 401) return "the dashboard refused this page's token: open the URL `cloudtik dashboard` printed";
  return `the dashboard answered ${status}`;
}

/** The token from the page's own URL, or undefined when it was opened without one. */
export function pageToken(): string | undefined {
  return new URLSearchParams(location.search).get('token') ?? undefined;
}
