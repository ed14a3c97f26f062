/**
 * Typed events the core emits while it works. The core never prints; the CLI renders these
 * (a live task list on a terminal, plain lines otherwise, nothing with `--json`).
 */

export type NodePhase =
  'creating' | 'waiting-for-ssh' | 'syncing-files' | 'setting-up' | 'starting' | 'stopping' | 'terminating';

export type CoreEvent =
  | { type: 'log'; level: 'debug' | 'info' | 'warn'; message: string }
  | { type: 'step'; id: string; title: string; state: 'start' | 'done' | 'skip' | 'fail'; detail?: string; ms?: number }
  | {
      type: 'node-phase';
      node: string;
      kind: 'head' | 'worker';
      phase: NodePhase;
      state: 'start' | 'done' | 'skip' | 'fail';
      detail?: string;
      ms?: number;
    }
  | { type: 'command-output'; node: string; stream: 'stdout' | 'stderr'; text: string }
  /** A node reached a final status (`up-to-date`) after `ms` of updating. */
  | { type: 'node-status'; node: string; kind: 'head' | 'worker'; status: string; ms: number };

export type EventSink = (event: CoreEvent) => void;

export const nullSink: EventSink = () => undefined;

/** Helpers so call sites stay short. */
export function logEvent(sink: EventSink, level: 'debug' | 'info' | 'warn', message: string): void {
  sink({ type: 'log', level, message });
}

/** Run `fn` as a named step, emitting start/done/fail with its duration. */
export async function timedStep<T>(sink: EventSink, id: string, title: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  sink({ type: 'step', id, title, state: 'start' });
  try {
    const result = await fn();
    sink({ type: 'step', id, title, state: 'done', ms: Math.round(performance.now() - t0) });
    return result;
  } catch (err) {
    sink({ type: 'step', id, title, state: 'fail', ms: Math.round(performance.now() - t0), detail: errorMessage(err) });
    throw err;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
