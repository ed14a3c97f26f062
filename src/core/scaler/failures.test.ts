import { describe, expect, it } from 'vitest';
import {
  blockedTypesOf,
  failureAfter,
  MAX_CONSECUTIVE_FAILURES,
  retryingMessages,
  type TypeFailures,
} from './failures.js';

describe('blockedTypesOf', () => {
  const now = 100_000;
  const many = MAX_CONSECUTIVE_FAILURES;
  it.each([
    [
      'a failure backs off',
      { count: 1, until: now + 2000, lastError: 'boom' },
      /^backing off 2s after 1 failure\(s\): boom$/,
    ],
    ['a type whose back-off ended may launch', { count: 2, until: now - 1, lastError: 'boom' }, undefined],
    [
      'too many failures give up',
      { count: many, until: now + 16_000, lastError: 'setup failed' },
      /^gave up after 5 failures in a row: setup failed; fix it/,
    ],
    [
      'too many refusals for capacity never give up, and say so while backing off',
      { count: many + 3, until: now + 60_000, lastError: 'no free host', capacity: true },
      /^out of capacity after 8 refusals in a row, trying again in 60s: no free host$/,
    ],
    [
      'capacity refusals try again once the back-off ends',
      { count: many + 3, until: now - 1, lastError: 'no free host', capacity: true },
      undefined,
    ],
  ])('%s', (_, failures, want) => {
    const blocked = blockedTypesOf(new Map([['worker.default', failures]]), now);
    if (want === undefined) expect(blocked).toEqual({});
    else expect(blocked['worker.default']).toMatch(want);
  });
});

describe('failureAfter', () => {
  const now = 100_000;
  it.each<{ name: string; prev: TypeFailures | undefined; capacity: boolean; want: TypeFailures }>([
    {
      name: 'the first failure backs off 1 s',
      prev: undefined,
      capacity: false,
      want: { count: 1, until: now + 1000, lastError: 'boom', capacity: false },
    },
    {
      name: 'each failure doubles the back-off',
      prev: { count: 3, until: 0, lastError: 'older' },
      capacity: false,
      want: { count: 4, until: now + 8000, lastError: 'boom', capacity: false },
    },
    {
      name: 'the back-off stops growing at a minute, and the last failure says whether it was capacity',
      prev: { count: 9, until: 0, lastError: 'older', capacity: false },
      capacity: true,
      want: { count: 10, until: now + 60_000, lastError: 'boom', capacity: true },
    },
  ])('$name', ({ prev, capacity, want }) => {
    expect(failureAfter(prev, { error: 'boom', now, capacity })).toEqual(want);
  });
});

describe('retryingMessages', () => {
  it('names the types that failed but are not blocked now', () => {
    const failures = new Map<string, TypeFailures>([
      ['a', { count: 2, until: 0, lastError: 'boom' }],
      ['b', { count: 1, until: 5, lastError: 'no' }],
    ]);
    expect(retryingMessages(failures, { b: 'backing off' })).toEqual(['a: retrying after 2 failure(s) in a row: boom']);
  });
});
