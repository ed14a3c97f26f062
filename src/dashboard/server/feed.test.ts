import { describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../core/state/store.js';
import { scrub } from './core-backend.js';
import { validationField } from './errors.js';
import { changes, newEvents, STATUS_REFRESH_MS } from './feed.js';
import { JOB, view } from './memory-backend.fixtures.js';

const ev = (time: number, message: string): ClusterEvent => ({ time, kind: 'launch', reason: 'r', message });

describe('what the stream sends', () => {
  it('finds the events a read added, also those of the same millisecond', () => {
    const a = ev(1, 'a');
    const b = ev(2, 'b');
    const c = ev(2, 'c');
    const d = ev(3, 'd');
    expect(newEvents([], [a, b])).toEqual([a, b]);
    expect(newEvents([a, b], [a, b, c, d])).toEqual([c, d]);
    expect(newEvents([a, b, c], [b, c])).toEqual([]);
    // The head keeps the newest: older ones dropped off the front do not count as new.
    expect(newEvents([a, b], [b, d])).toEqual([d]);
  });

  it('sends the view when more than heartbeat ages changed, and every few seconds anyway', () => {
    const snap = { view: view(), jobs: [JOB], events: [] };
    expect(changes(undefined, snap, { lastStatusAt: 0, now: 0 }).map((e) => e.event)).toEqual(['status', 'jobs']);
    const aged = structuredClone(snap);
    aged.view.nodes[0]!.heartbeatAgeMs = 900;
    expect(changes(snap, aged, { lastStatusAt: 0, now: 1000 })).toEqual([]);
    expect(changes(snap, aged, { lastStatusAt: 0, now: STATUS_REFRESH_MS }).map((e) => e.event)).toEqual(['status']);
    const fewer = { ...snap, view: view(1) };
    expect(changes(snap, fewer, { lastStatusAt: 0, now: 1000 }).map((e) => e.event)).toEqual(['status']);
    const ran = { ...snap, jobs: [{ ...JOB, state: 'failed' as const }] };
    expect(changes(snap, ran, { lastStatusAt: 0, now: 1000 }).map((e) => e.event)).toEqual(['jobs']);
  });

  it('names the field of a schema error', () => {
    expect(validationField({ instancePath: '/workers', keyword: 'type', params: {} })).toBe('workers');
    expect(validationField({ instancePath: '/args/0', keyword: 'type', params: {} })).toBe('args');
    expect(validationField({ instancePath: '', keyword: 'required', params: { missingProperty: 'fileName' } })).toBe(
      'fileName',
    );
    expect(
      validationField({ instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'x' } }),
    ).toBe('x');
  });

  it('masks known secrets wherever they sit, also where JSON escapes them', () => {
    const out = scrub({ a: 'pw=s3cret!', b: ['x s3cret! y'], c: 'quo"te"d' }, ['s3cret!', 'quo"te"d']);
    expect(out).toEqual({ a: 'pw=******', b: ['x ****** y'], c: '******' });
  });
});
