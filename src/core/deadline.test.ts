import { describe, expect, it } from 'vitest';
import type { Clock } from './clock.js';
import { waitFor, waitUpTo, withDeadline } from './deadline.js';
import { CloudtikError } from './errors.js';

/** A clock whose sleeps pass at once and move its time on; it records every pause. */
function fakeClock(): Clock & { pauses: number[] } {
  let now = 1_000_000;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      pauses.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

/** A probe that answers `value` from its `n`th call on (1-based), undefined before; it counts its calls. */
function readyAt<T>(n: number, value: T): (() => T | undefined) & { calls: number } {
  const probe = Object.assign(() => (++probe.calls >= n ? value : undefined), { calls: 0 });
  return probe;
}

describe('waitFor', () => {
  const cases: {
    name: string;
    readyOn: number;
    ms: number;
    pauseMs?: number | ((waited: number) => number);
    calls: number;
    pauses: number[];
    timesOut: boolean;
  }[] = [
    { name: 'ready at once: no pause', readyOn: 1, ms: 1000, calls: 1, pauses: [], timesOut: false },
    { name: 'ready on the third look', readyOn: 3, ms: 1000, calls: 3, pauses: [100, 100], timesOut: false },
    {
      name: 'the last pause is cut to the deadline, and the deadline gets one more look',
      readyOn: 99,
      ms: 250,
      calls: 4,
      pauses: [100, 100, 50],
      timesOut: true,
    },
    {
      name: 'ready on that last look at the deadline',
      readyOn: 4,
      ms: 250,
      calls: 4,
      pauses: [100, 100, 50],
      timesOut: false,
    },
    { name: 'no time at all: one look', readyOn: 2, ms: 0, calls: 1, pauses: [], timesOut: true },
    {
      name: 'a pause chosen from the time waited (back-off)',
      readyOn: 5,
      ms: 10_000,
      pauseMs: (waited) => (waited < 300 ? 100 : 1000),
      calls: 5,
      pauses: [100, 100, 100, 1000],
      timesOut: false,
    },
  ];
  it.each(cases)('$name', async (c) => {
    const clock = fakeClock();
    const probe = readyAt(c.readyOn, 'up');
    const run = waitFor(probe, { what: 'the thing to be up', ms: c.ms, pauseMs: c.pauseMs ?? 100, clock });
    if (c.timesOut) await expect(run).rejects.toThrow(`waiting for the thing to be up`);
    else expect(await run).toBe('up');
    expect(probe.calls).toBe(c.calls);
    expect(clock.pauses).toEqual(c.pauses);
  });

  it('expires with an error that names what it waited for, how long, the last failure and the hint', async () => {
    let n = 0;
    const err = await waitFor(
      () => {
        throw new Error(`connection refused (${++n})`);
      },
      {
        what: 'the state store at 10.0.0.2:6379 to answer',
        ms: 1500,
        clock: fakeClock(),
        retryErrors: true,
        hint: 'is the head up?',
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudtikError);
    expect((err as CloudtikError).code).toBe('ERR_CLOUDTIK_TIMEOUT');
    expect((err as CloudtikError).message).toBe(
      'timed out after 1.5 s waiting for the state store at 10.0.0.2:6379 to answer',
    );
    expect((err as CloudtikError).details).toEqual([`last attempt: connection refused (${n})`]);
    expect((err as CloudtikError).hint).toBe('is the head up?');
  });

  it("ends at the probe's first error unless errors are retried", async () => {
    const probe = Object.assign(
      () => {
        probe.calls++;
        throw new Error('pod vanished');
      },
      { calls: 0 },
    );
    await expect(waitFor(probe, { what: 'pods', ms: 1000, clock: fakeClock() })).rejects.toThrow('pod vanished');
    expect(probe.calls).toBe(1);
  });

  it("gives the caller's own timeout error", async () => {
    const err = await waitFor(() => undefined, {
      what: 'a lock',
      ms: 100,
      clock: fakeClock(),
      expired: () => new CloudtikError('ERR_CLOUDTIK_LOCK', 'timed out waiting for the cluster lock'),
    }).catch((e: unknown) => e);
    expect((err as CloudtikError).code).toBe('ERR_CLOUDTIK_LOCK');
  });

  it('tells the probe how long it has waited', async () => {
    const seen: number[] = [];
    await waitFor(({ waitedMs }) => (seen.push(waitedMs) >= 3 ? true : undefined), {
      what: 'x',
      ms: 1000,
      pauseMs: 40,
      clock: fakeClock(),
    });
    expect(seen).toEqual([0, 40, 80]);
  });

  it("ends at once when the caller's signal aborts, before or while waiting", async () => {
    const before = new AbortController();
    before.abort();
    const probe = readyAt(99, true);
    await expect(
      waitFor(probe, { what: 'the pods to run', ms: 1000, clock: fakeClock(), signal: before.signal }),
    ).rejects.toMatchObject({
      code: 'ERR_CLOUDTIK_INTERRUPTED',
      message: 'interrupted while waiting for the pods to run',
    });
    expect(probe.calls).toBe(0);

    // On the real clock: aborted during a long pause, the wait does not last the pause.
    const during = new AbortController();
    const t0 = performance.now();
    setTimeout(() => during.abort(), 20);
    await expect(
      waitFor(() => undefined, { what: 'the pods to run', ms: 60_000, pauseMs: 30_000, signal: during.signal }),
    ).rejects.toMatchObject({ code: 'ERR_CLOUDTIK_INTERRUPTED' });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('looks again as soon as its news comes, not at the end of the pause', async () => {
    // On the real clock: each pause is 30 s, and news comes 20 ms into each of the first two.
    const probe = readyAt(3, 'up');
    const news = (tell: () => void) => {
      const timer = setTimeout(tell, 20);
      return () => clearTimeout(timer);
    };
    const t0 = performance.now();
    expect(await waitFor(probe, { what: 'the pods to run', ms: 60_000, pauseMs: 30_000, wake: news })).toBe('up');
    expect(probe.calls).toBe(3);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('stops listening for news at the end of each pause, however it ended', async () => {
    // A fake clock's pauses end at their time: no listener may stay behind from any of them.
    const listening = new Set<() => void>();
    const wake = (tell: () => void) => {
      listening.add(tell);
      return () => listening.delete(tell);
    };
    const during: number[] = [];
    const probe = ({ waitedMs }: { waitedMs: number }) => (
      during.push(listening.size),
      waitedMs >= 500 ? 'up' : undefined
    );
    expect(await waitFor(probe, { what: 'x', ms: 1000, pauseMs: 100, clock: fakeClock(), wake })).toBe('up');
    expect(during).toEqual([0, 0, 0, 0, 0, 0]);
    expect(listening.size).toBe(0);

    // And when the caller stops the wait in the middle of a pause.
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    await expect(
      waitFor(() => undefined, { what: 'x', ms: 60_000, pauseMs: 30_000, wake, signal: stop.signal }),
    ).rejects.toMatchObject({ code: 'ERR_CLOUDTIK_INTERRUPTED' });
    expect(listening.size).toBe(0);
  });
});

describe('waitUpTo', () => {
  it('says whether the probe said yes within the time, without throwing at the deadline', async () => {
    expect(await waitUpTo(() => true, { what: 'x', ms: 100, clock: fakeClock() })).toBe(true);
    expect(await waitUpTo(() => false, { what: 'x', ms: 100, clock: fakeClock() })).toBe(false);
  });

  it("still fails with the probe's errors", async () => {
    await expect(
      waitUpTo(
        () => {
          throw new Error('EACCES');
        },
        { what: 'x', ms: 100, clock: fakeClock() },
      ),
    ).rejects.toThrow('EACCES');
  });
});

describe('withDeadline', () => {
  it('replaces what the aborted work threw with the deadline error', async () => {
    const work = (signal: AbortSignal): Promise<never> =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    await expect(withDeadline(work, { ms: 10, expired: () => new Error('no answer in 10 ms') })).rejects.toThrow(
      'no answer in 10 ms',
    );
  });
});
