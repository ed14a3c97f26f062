import { describe, expect, it } from 'vitest';
import type { Member } from '../node/ensemble.js';
import {
  connectString,
  dynamicConfig,
  ensembleSize,
  holdsEphemeral,
  membersAfterJoin,
  quorumOf,
  reconfigArgs,
  zooCfg,
} from './settings.js';

const m = (seq: number): Member => ({ seq, ip: `10.0.0.${seq}` });

describe('ensemble sizes', () => {
  it.each([
    [0, 1, 1],
    [1, 1, 1],
    [2, 2, 2],
    [3, 3, 2],
    [4, 4, 3],
    [5, 5, 3],
  ])('min_workers %i: %i members, quorum of %i', (minWorkers, size, quorum) => {
    expect(ensembleSize(minWorkers)).toBe(size);
    expect(quorumOf(size)).toBe(quorum);
  });
});

describe('membership', () => {
  it('lists members by sequence number in the dynamic config and the connect string', () => {
    expect(dynamicConfig([m(4), m(2)])).toBe(
      'server.2=10.0.0.2:2888:3888:participant;0.0.0.0:2181\nserver.4=10.0.0.4:2888:3888:participant;0.0.0.0:2181\n',
    );
    expect(connectString([m(3), m(2)])).toBe('10.0.0.2:2181,10.0.0.3:2181');
  });

  it.each([
    ['a new member', [], ['reconfig', '-add', 'server.5=10.0.0.5:2888:3888:participant;0.0.0.0:2181']],
    [
      'replacing gone members',
      [m(3), m(4)],
      ['reconfig', '-add', 'server.5=10.0.0.5:2888:3888:participant;0.0.0.0:2181', '-remove', '3,4'],
    ],
  ])('reconfig for %s', (_name, gone, want) => {
    expect(reconfigArgs(m(5), gone)).toEqual(want);
  });

  it('has the joiner in and the gone out after a join', () => {
    expect(membersAfterJoin([m(2), m(3), m(4)], m(5), [m(4)])).toEqual([m(2), m(3), m(5)]);
  });
});

describe('zooCfg', () => {
  it("has CloudTik's settings, the user's over them, and the dynamic file last", () => {
    const cfg = zooCfg('/data', '/conf/zoo.cfg.dynamic', { tickTime: 3000, maxClientCnxns: 100 });
    expect(cfg).toMatchObject({
      tickTime: 3000,
      initLimit: 10,
      syncLimit: 5,
      dataDir: '/data',
      standaloneEnabled: false,
      reconfigEnabled: true,
      skipACL: 'yes',
      maxClientCnxns: 100,
    });
    expect(Object.keys(cfg).at(-1)).toBe('dynamicConfigFile');
    expect(cfg.dynamicConfigFile).toBe('/conf/zoo.cfg.dynamic');
  });
});

describe('holdsEphemeral', () => {
  const dump =
    'SessionTracker dump:\nephemeral nodes dump:\nSessions with Ephemerals (1):\n0x1000a:\n\t/brokers/ids/2\n\t/controller\nConnections dump:\n';
  it.each([
    ['/brokers/ids/2', true],
    ['/brokers/ids/3', false],
    ['/brokers/ids/', false],
  ])('%s: %s', (path, want) => {
    expect(holdsEphemeral(dump, path)).toBe(want);
  });
});
