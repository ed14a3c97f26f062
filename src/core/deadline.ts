/**
 * The one deadline helper: every wait for something outside this process goes through it, so a
 * wait always ends, and ends with an error that says what was awaited.
 */

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
