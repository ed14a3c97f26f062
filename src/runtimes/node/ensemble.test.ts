import { describe, expect, it } from 'vitest';
import { MemoryStateStore, type NodeHeartbeat } from '../../core/state/store.js';
import { liveWorkers, parseMembers, quorumRole, settleQuorum, type Member } from './ensemble.js';

const m = (seq: number): Member => ({ seq, ip: `10.0.0.${seq}` });

function beat(seq: number, time: number, kind = 'worker'): NodeHeartbeat {
  return {
    nodeId: `n${seq}`,
    ip: `10.0.0.${seq}`,
    kind,
    nodeType: 'worker.default',
    seqId: seq,
    time,
    cpus: 1,
    cpuUtilization: 0,
    memoryTotal: 1,
    memoryUsed: 0,
    inUse: false,
  };
}

describe('liveWorkers', () => {
  it('keeps workers with a recent heartbeat, by sequence number', () => {
    const beats = [beat(4, 1000), beat(1, 1000, 'head'), beat(2, 1000), beat(3, -20_000)];
    expect(liveWorkers(beats, 1000)).toEqual([m(2), m(4)]);
  });
});

describe('quorumRole', () => {
  const cases: Array<[string, Member[] | undefined, Member, Member[], number, ReturnType<typeof quorumRole>]> = [
    ['too few workers yet', undefined, m(2), [m(2), m(3)], 3, { kind: 'wait', live: 2, size: 3 }],
    [
      'enough: the lowest found it',
      undefined,
      m(3),
      [m(2), m(3), m(4)],
      3,
      { kind: 'found', members: [m(2), m(3), m(4)] },
    ],
    ['its own heartbeat not in yet', undefined, m(4), [m(2), m(3)], 3, { kind: 'found', members: [m(2), m(3), m(4)] }],
    [
      'a worker beyond the founders waits for the record',
      undefined,
      m(5),
      [m(2), m(3), m(4), m(5)],
      3,
      { kind: 'wait', live: 4, size: 3 },
    ],
    [
      'a recorded member restarts',
      [m(2), m(3), m(4)],
      m(3),
      [m(3)],
      3,
      { kind: 'member', members: [m(2), m(3), m(4)] },
    ],
    [
      'a later worker joins, replacing a gone member',
      [m(2), m(3), m(4)],
      m(5),
      [m(2), m(3), m(5)],
      3,
      { kind: 'join', members: [m(2), m(3), m(4)], gone: [m(4)] },
    ],
    [
      'a reused number at another address joins anew',
      [m(2), m(3)],
      { seq: 3, ip: '10.0.0.9' },
      [m(2), { seq: 3, ip: '10.0.0.9' }],
      2,
      { kind: 'join', members: [m(2), m(3)], gone: [m(3)] },
    ],
  ];
  it.each(cases)('%s', (_name, record, self, live, size, want) => {
    expect(quorumRole(record, self, live, size)).toEqual(want);
  });
});

describe('parseMembers', () => {
  it.each([
    ['[{"seq":2,"ip":"10.0.0.2"}]', [m(2)]],
    ['{"seq":2}', undefined],
    ['[{"seq":"2","ip":"x"}]', undefined],
    ['not json', undefined],
    [undefined, undefined],
  ])('%s', (text, want) => {
    expect(parseMembers(text)).toEqual(want);
  });
});

describe('settleQuorum', () => {
  it('records the founders, and a later worker finds them and joins', async () => {
    const store = new MemoryStateStore();
    const now = Date.now();
    for (const s of [2, 3, 4]) await store.putHeartbeat(beat(s, now));
    const founder = await settleQuorum(store, m(2), { key: 'k', size: 3, what: 'x' });
    expect(founder).toEqual({ kind: 'found', members: [m(2), m(3), m(4)] });
    expect(parseMembers(await store.getValue('k'))).toEqual([m(2), m(3), m(4)]);
    await store.removeHeartbeats(['n4']);
    await store.putHeartbeat(beat(5, now));
    expect(await settleQuorum(store, m(5), { key: 'k', size: 3, what: 'x' })).toEqual({
      kind: 'join',
      members: [m(2), m(3), m(4)],
      gone: [m(4)],
    });
  });

  it('gives up at its deadline naming how many workers it saw', async () => {
    const store = new MemoryStateStore();
    await store.putHeartbeat(beat(2, Date.now()));
    let t = 0;
    const clock = { now: () => t, sleep: (ms: number) => Promise.resolve(void (t += ms)) };
    await expect(
      settleQuorum(store, m(2), { key: 'k', size: 3, what: 'the ZooKeeper ensemble', timeoutMs: 2000, clock }),
    ).rejects.toThrow(/the ZooKeeper ensemble needs 3 live workers; 1 sent heartbeats/);
  });
});
