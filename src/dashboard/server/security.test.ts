import { describe, expect, it } from 'vitest';
import { decideAccess, isLoopback, newToken, tokenMatches } from './security.js';

const token = newToken();
const o = { token, origin: 'http://127.0.0.1:9000' };
const base = {
  method: 'GET',
  path: '/api/clusters',
  host: '127.0.0.1:9000',
  origin: undefined,
  authorization: undefined,
  queryToken: undefined,
};

describe('security', () => {
  it('makes tokens of 32 random bytes in base64url', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(a);
  });

  it('matches the token only exactly', () => {
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(token.slice(0, -1), token)).toBe(false);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches('', token)).toBe(false);
    expect(tokenMatches(undefined, token)).toBe(false);
  });

  it.each([
    ['no token', {}, 401],
    ['a bearer token', { authorization: `Bearer ${token}` }, 200],
    ['a basic header', { authorization: `Basic ${token}` }, 401],
    ['the query token on a GET', { queryToken: token }, 200],
    ['the query token on a POST', { method: 'POST', queryToken: token, authorization: `Bearer ${token}` }, 403],
    ['a POST with the header', { method: 'POST', authorization: `Bearer ${token}` }, 200],
    ['another host', { host: 'attacker.example:9000', authorization: `Bearer ${token}` }, 403],
    ['no host', { host: undefined, authorization: `Bearer ${token}` }, 403],
    ['another origin', { origin: 'http://localhost:9000', authorization: `Bearer ${token}` }, 403],
    ['its own origin', { origin: 'http://127.0.0.1:9000', authorization: `Bearer ${token}` }, 200],
    ['an asset without token', { path: '/assets/app.js' }, 200],
    ['an asset from another origin', { path: '/assets/app.js', origin: 'http://x.example' }, 403],
    ['a POST to an asset path', { method: 'POST', path: '/assets/app.js' }, 401],
  ])('%s', (_what, facts, status) => {
    const d = decideAccess({ ...base, ...facts }, o);
    expect(d.ok ? 200 : d.status).toBe(status);
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', '127.0.0.256', '128.0.0.1', 'example.com']) {
      expect(isLoopback(h), h).toBe(false);
    }
  });
});
