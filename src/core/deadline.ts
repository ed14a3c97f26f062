/**
 * The one deadline helper: every wait for something outside this process goes through it, so a
 * wait always ends, and ends with an error that says what was awaited.
 */
import { systemClock, type Clock } from './clock.js';
import { CloudtikError } from './errors.js';

export interface DeadlineOptions {
  /** How long the work may take. */
  ms: number;
  /** The error when the deadline passes (say what was awaited and how to try it by hand). */
  expired: () => Error;
  /** The caller's own cancellation (Ctrl-C); it aborts the work too, with its own reason. */
  signal?: AbortSignal;
}

/**
 * Run `work` with a signal that aborts when `ms` have passed (or the caller's signal aborts). The
 * work must stop what it started when the signal aborts; the deadline's error then replaces
 * whatever the aborted work threw.
 */
export async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, options: DeadlineOptions): Promise<T> {
  const timer = new AbortController();
  const handle = setTimeout(() => timer.abort(), options.ms);
  const signal = options.signal ? AbortSignal.any([timer.signal, options.signal]) : timer.signal;
  try {
    return await work(signal);
  } catch (err) {
    if (timer.signal.aborted && !options.signal?.aborted) throw options.expired();
    throw err;
  } finally {
    clearTimeout(handle);
  }
}

/** What a probe of {@link waitFor} is told. */
export interface ProbeState {
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** How long the wait has lasted so far (on the wait's clock). */
  waitedMs: number;
}

export interface WaitOptions {
  /** What is awaited, as the timeout error says it: `waiting for ${what}`. */
  what: string;
  /** How long to wait. The probe runs at least once, and once more at the deadline. */
  ms: number;
  clock?: Clock;
  /** Pause between two probes (default 100 ms): fixed, or chosen from the time waited so far. */
  pauseMs?: number | ((waitedMs: number) => number);
  /** The caller's cancellation (Ctrl-C, a stop signal): the wait ends with ERR_CLOUDTIK_INTERRUPTED. */
  signal?: AbortSignal;
  /** How to look by hand, for the timeout error. */
  hint?: string;
  /** The error when the time is up, in place of the default one; `last` is the probe's last error. */
  expired?: (last: unknown) => Error;
  /** Errors of the probe mean "not yet" (the last one is the timeout error's cause); else they end the wait. */
  retryErrors?: boolean;
  /**
   * News that ends a pause early (a watch saw a change): each pause hands it a function to call at
   * the next news and calls what it returns once the pause is over, so that a long wait leaves no
   * listeners behind. The probe runs again at once; without news the pause ends at its time.
   */
  wake?: (news: () => void) => () => void;
}

/**
 * Poll `probe` until it returns a value (anything but undefined) and return that value; at the
 * deadline fail with an error that says what was awaited and for how long. Every loop that waits
 * for something outside this process by looking again and again goes through here.
 */
export async function waitFor<T>(
  probe: (state: ProbeState) => Promise<T | undefined> | T | undefined,
  options: WaitOptions,
): Promise<T> {
  const clock = options.clock ?? systemClock;
  const start = clock.now();
  let last: unknown;
  for (;;) {
    if (options.signal?.aborted) throw interrupted(options.what);
    try {
      const value = await probe({ signal: options.signal, waitedMs: clock.now() - start });
      if (value !== undefined) return value;
      last = undefined;
    } catch (err) {
      if (options.retryErrors !== true) throw err;
      last = err;
    }
    const waited = clock.now() - start;
    if (waited >= options.ms) throw options.expired?.(last) ?? timedOut(options, last);
    const pause = typeof options.pauseMs === 'function' ? options.pauseMs(waited) : (options.pauseMs ?? 100);
    await pauseFor(Math.max(0, Math.min(pause, options.ms - waited)), clock, options);
  }
}

/**
 * Why a pause's own signal ends: one reason for all, where an abort without one makes a
 * DOMException, with its stack, at the end of every pause (a wait looks every 20 ms at times).
 */
const PAUSE_OVER = new Error('the pause is over');

/** A pause of {@link waitFor}: `ms`, or until its `wake` news comes, or its caller's cancellation. */
async function pauseFor(ms: number, clock: Clock, options: WaitOptions): Promise<void> {
  if (options.wake === undefined) {
    try {
      await clock.sleep(ms, options.signal);
    } catch {
      throw interrupted(options.what);
    }
    return;
  }
  const woken = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, woken.signal]) : woken.signal;
  const unlisten = options.wake(() => woken.abort(PAUSE_OVER));
  try {
    await clock.sleep(ms, signal);
  } catch {
    if (options.signal?.aborted || !woken.signal.aborted) throw interrupted(options.what);
  } finally {
    unlisten();
    woken.abort(PAUSE_OVER);
  }
}

/**
 * {@link waitFor} for a wait whose end is no failure (a grace period): whether `probe` said yes
 * in time.
 */
export async function waitUpTo(
  probe: (state: ProbeState) => Promise<boolean> | boolean,
  options: Omit<WaitOptions, 'expired' | 'hint'>,
): Promise<boolean> {
  const expired = new Error('expired');
  try {
    await waitFor(async (state) => ((await probe(state)) ? true : undefined), { ...options, expired: () => expired });
    return true;
  } catch (err) {
    if (err === expired) return false;
    throw err;
  }
}

function timedOut(options: WaitOptions, last: unknown): CloudtikError {
  return new CloudtikError(
    'ERR_CLOUDTIK_TIMEOUT',
    `timed out after ${seconds(options.ms)} waiting for ${options.what}`,
    {
      cause: last,
      details: last === undefined ? [] : [`last attempt: ${errorText(last)}`],
      hint: options.hint,
    },
  );
}

function interrupted(what: string): CloudtikError {
  return new CloudtikError('ERR_CLOUDTIK_INTERRUPTED', `interrupted while waiting for ${what}`);
}

/** `15 s`, `1.5 s`, `0.2 s`. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
