/**
 * Server-sent events on a raw HTTP response: the framing, the headers, and the pings that keep
 * proxies from cutting a quiet stream.
 */
import type { ServerResponse } from 'node:http';

/** A comment line every so often keeps idle connections open through proxies. */
export const PING_INTERVAL_MS = 15_000;

/** One event as the wire carries it. JSON has no raw newlines, so `data` is one line. */
export function frameEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const PING_FRAME = ': ping\n\n';

/** An open event stream to one client. `closed` resolves when either side ended it. */
export class SseStream {
  readonly closed: Promise<void>;
  /** Aborted when the stream ends (the client left, or the server closes it). */
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  private readonly ping: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string>,
    pingMs = PING_INTERVAL_MS,
  ) {
    this.signal = this.abort.signal;
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx and friends buffer responses unless told not to.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    this.ping = setInterval(() => this.write(PING_FRAME), pingMs);
    this.closed = new Promise((resolve) => {
      const done = (): void => {
        clearInterval(this.ping);
        this.abort.abort(new Error('the event stream ended'));
        resolve();
      };
      res.on('close', done);
      this.signal.addEventListener('abort', done, { once: true });
    });
  }

  get open(): boolean {
    return !this.signal.aborted && !this.res.writableEnded && !this.res.destroyed;
  }

  send(event: string, data: unknown): void {
    this.write(frameEvent(event, data));
  }

  /** End the stream from this side. */
  end(): void {
    if (!this.res.writableEnded) this.res.end();
    this.abort.abort(new Error('the event stream ended'));
  }

  private write(text: string): void {
    if (this.open) this.res.write(text);
  }
}
