import { describe, expect, it } from 'vitest';
import { renewalDue, tokenClaims } from './head-token.js';

/** A JWT-shaped token with this payload (header and signature are not looked at). */
function jwt(payload: unknown): string {
  const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(payload)}.c2ln`;
}

const bound = {
  iat: 1_000,
  exp: 1_000 + 86_400,
  'kubernetes.io': {
    namespace: 'ws1',
    pod: { name: 'cloudtik-c1-head-abcde', uid: 'u-1' },
    serviceaccount: { name: 'cloudtik-head-service-account', uid: 'u-2' },
  },
};

describe('the head token', () => {
  it('reads what renewal needs from a bound service account token', () => {
    expect(tokenClaims(`${jwt(bound)}\n`)).toEqual({
      issuedAt: 1_000,
      expires: 87_400,
      namespace: 'ws1',
      serviceAccount: 'cloudtik-head-service-account',
      pod: { name: 'cloudtik-c1-head-abcde', uid: 'u-1' },
    });
  });

  it('says a token without its times, namespace or account, or not a JWT, is not one', () => {
    expect(tokenClaims('not-a-token')).toBeUndefined();
    expect(tokenClaims('a.!!!.c')).toBeUndefined();
    expect(tokenClaims(jwt({ ...bound, exp: undefined }))).toBeUndefined();
    expect(tokenClaims(jwt({ iat: 1, exp: 2 }))).toBeUndefined();
    const unbound = { ...bound, 'kubernetes.io': { ...bound['kubernetes.io'], pod: undefined } };
    expect(tokenClaims(jwt(unbound))?.pod).toBeUndefined();
  });

  it('is renewed once three quarters of its life have passed, whatever life the server gave', () => {
    const day = { issuedAt: 0, expires: 86_400 };
    expect(renewalDue(day, 64_799)).toBe(false);
    expect(renewalDue(day, 64_800)).toBe(true);
    const capped = { issuedAt: 100, expires: 100 + 3_600 };
    expect(renewalDue(capped, 100 + 2_699)).toBe(false);
    expect(renewalDue(capped, 100 + 2_700)).toBe(true);
    expect(renewalDue(capped, 10_000)).toBe(true);
  });
});
