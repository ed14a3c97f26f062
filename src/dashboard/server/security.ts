/**
 * The dashboard's access rules, as pure decisions over a request's method, headers and query (see
 * the contract): the token, and where a request may come from.
 */
import crypto from 'node:crypto';

/** A new token: 32 random bytes, base64url. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Whether `given` is the token, in time that does not depend on where they differ. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  // Hashing first gives both sides the same length, so the comparison itself leaks nothing either.
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(a, b);
}

export interface RequestFacts {
  method: string;
  /** The path without the query. */
  path: string;
  host: string | undefined;
  origin: string | undefined;
  authorization: string | undefined;
  /** `?token=` as given (undefined when absent). */
  queryToken: string | undefined;
}

export type AccessDecision = { ok: true } | { ok: false; status: 401 | 403; error: string };

/** Paths any page of ours loads without the token: its own static files. */
export const PUBLIC_PREFIX = '/assets/';

/**
 * Decide one request: a foreign Host or Origin is refused first (403), then a token in a POST's
 * query (403: it would sit in logs and history), then a missing or wrong token (401).
 */
export function decideAccess(req: RequestFacts, o: { token: string; origin: string }): AccessDecision {
  const own = new URL(o.origin);
  if (req.host !== own.host) return { ok: false, status: 403, error: `requests must be for ${own.host}` };
  if (req.origin !== undefined && req.origin !== own.origin) {
    return { ok: false, status: 403, error: 'cross-origin requests are refused' };
  }
  const safe = req.method === 'GET' || req.method === 'HEAD';
  if (!safe && req.queryToken !== undefined) {
    return { ok: false, status: 403, error: 'actions take the token in the Authorization header, not in the URL' };
  }
  if (safe && req.path.startsWith(PUBLIC_PREFIX)) return { ok: true };
  const bearer = /^Bearer (\S+)$/.exec(req.authorization ?? '')?.[1];
  const given = bearer ?? (safe ? req.queryToken : undefined);
  if (!tokenMatches(given, o.token)) {
    return {
      ok: false,
      status: 401,
      error: given === undefined ? 'the dashboard needs its token' : 'wrong token',
    };
  }
  return { ok: true };
}

/** Whether `host` is a loopback address (the only kind the dashboard listens on). */
export function isLoopback(host: string): boolean {
  if (host === '::1' || host === 'localhost') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}
