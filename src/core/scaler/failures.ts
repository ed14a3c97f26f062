/**
 * Launch failures by worker type, and what they block: pure, the controller keeps the map. A type
 * backs off exponentially after each failure; after MAX_CONSECUTIVE_FAILURES in a row it is given
 * up on until its config changes, unless its failures were refusals for lack of capacity.
 */

/** After this many failures in a row a worker type stops launching until its config changes. */
export const MAX_CONSECUTIVE_FAILURES = 5;
/** The longest back-off after a failure. */
export const BACKOFF_CAP_MS = 60_000;

export interface TypeFailures {
  count: number;
  until: number;
  lastError: string;
  /** The last failure was a refusal for lack of capacity (no free host, a host out of memory). */
  capacity?: boolean;
}

/**
 * A type's failures after one more: 1 s of back-off after the first, doubling each time up to
 * BACKOFF_CAP_MS. Returns a new record (the one given is not changed).
 */
export function failureAfter(
  prev: TypeFailures | undefined,
  failure: { error: string; now: number; capacity: boolean },
): TypeFailures {
  const count = (prev?.count ?? 0) + 1;
  return {
    count,
    until: failure.now + Math.min(1000 * 2 ** (count - 1), BACKOFF_CAP_MS),
    lastError: failure.error,
    capacity: failure.capacity,
  };
}

/**
 * Worker types not to launch now, and why. A type that failed {@link MAX_CONSECUTIVE_FAILURES}
 * times in a row is given up on until its config changes, unless its failures were refusals for
 * lack of capacity: capacity comes back (another cluster gives hosts back), so such a type only
 * backs off, and says it is out of capacity.
 */
export function blockedTypesOf(failures: ReadonlyMap<string, TypeFailures>, now: number): Record<string, string> {
  const blocked: Record<string, string> = {};
  for (const [type, f] of failures) {
    const many = f.count >= MAX_CONSECUTIVE_FAILURES;
    const wait = Math.ceil((f.until - now) / 1000);
    if (many && !f.capacity) {
      blocked[type] = `gave up after ${f.count} failures in a row: ${f.lastError}; fix it and run cloudtik start again`;
    } else if (f.until > now) {
      blocked[type] = many
        ? `out of capacity after ${f.count} refusals in a row, trying again in ${wait}s: ${f.lastError}`
        : `backing off ${wait}s after ${f.count} failure(s): ${f.lastError}`;
    }
  }
  return blocked;
}

/** Lines for status about types that failed but may launch again now. */
export function retryingMessages(
  failures: ReadonlyMap<string, TypeFailures>,
  blocked: Readonly<Record<string, string>>,
): string[] {
  return [...failures]
    .filter(([type]) => blocked[type] === undefined)
    .map(([type, f]) => `${type}: retrying after ${f.count} failure(s) in a row: ${f.lastError}`);
}
