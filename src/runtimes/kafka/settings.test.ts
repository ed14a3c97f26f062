import { describe, expect, it } from 'vitest';
import type { Member } from '../node/ensemble.js';
import { heapMb, propertiesText } from '../node/jvm-daemon.js';
import { kraftClusterId, quorumVoters, replicationDefaults, serverProperties, voterCount } from './settings.js';

const m = (seq: number): Member => ({ seq, ip: `10.0.0.${seq}` });

describe('voterCount', () => {
  it.each([
    [0, 1],
    [1, 1],
    [2, 1],
    [3, 3],
    [4, 3],
    [5, 5],
    [9, 5],
  ])('%i workers: %i controllers', (workers, want) => {
    expect(voterCount(workers)).toBe(want);
  });
});

describe('replicationDefaults', () => {
  it.each([
    [1, 1, 1],
    [2, 2, 1],
    [3, 3, 2],
    [6, 3, 2],
  ])('%i brokers: factor %i, min ISR %i', (brokers, factor, minIsr) => {
    expect(replicationDefaults(brokers)).toEqual({
      'default.replication.factor': factor,
      'min.insync.replicas': minIsr,
      'offsets.topic.replication.factor': factor,
      'transaction.state.log.replication.factor': factor,
      'transaction.state.log.min.isr': minIsr,
    });
  });
});

describe('kraftClusterId', () => {
  it("is Kafka's 22-character form, the same for the same cluster and another for another", () => {
    const id = kraftClusterId('ws/c1');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(kraftClusterId('ws/c1')).toBe(id);
    expect(kraftClusterId('ws/c2')).not.toBe(id);
  });
});

describe('serverProperties', () => {
  const base = { self: m(3), brokers: 3, logDirs: ['/d1/kafka/data', '/d2/kafka/data'], user: {} };

  it('ZooKeeper mode: broker.id from the sequence, listener at the node, the ensemble, logs over the disks', () => {
    const p = serverProperties({ ...base, mode: { kind: 'zookeeper', connect: '10.0.0.2:2181,10.0.0.3:2181' } });
    expect(p).toMatchObject({
      'broker.id': 3,
      listeners: 'PLAINTEXT://10.0.0.3:9092',
      'zookeeper.connect': '10.0.0.2:2181,10.0.0.3:2181',
      'log.dirs': '/d1/kafka/data,/d2/kafka/data',
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
    });
    expect(p).not.toHaveProperty('process.roles');
  });

  it.each([
    [true, 'broker,controller', 'PLAINTEXT://10.0.0.3:9092,CONTROLLER://10.0.0.3:9093'],
    [false, 'broker', 'PLAINTEXT://10.0.0.3:9092'],
  ])('KRaft mode, controller %s', (controller, roles, listeners) => {
    const p = serverProperties({
      ...base,
      mode: { kind: 'kraft', voters: [m(4), m(2), m(3)], controller, clusterId: 'x' },
    });
    expect(p).toMatchObject({
      'process.roles': roles,
      'node.id': 3,
      'controller.quorum.voters': '2@10.0.0.2:9093,3@10.0.0.3:9093,4@10.0.0.4:9093',
      listeners,
      'advertised.listeners': 'PLAINTEXT://10.0.0.3:9092',
      'controller.listener.names': 'CONTROLLER',
    });
    expect(p).not.toHaveProperty('zookeeper.connect');
  });

  it("takes the user's config over its own", () => {
    const p = serverProperties({
      ...base,
      user: { 'num.partitions': 6, 'min.insync.replicas': 1 },
      mode: { kind: 'zookeeper', connect: 'z:2181' },
    });
    expect(p['num.partitions']).toBe(6);
    expect(p['min.insync.replicas']).toBe(1);
  });

  it('writes properties as key=value lines', () => {
    expect(propertiesText({ a: 1, 'b.c': 'x' }, 'T')).toBe('# T. Written by cloudtik runtime services.\na=1\nb.c=x\n');
    expect(quorumVoters([m(2)])).toBe('2@10.0.0.2:9093');
  });
});

describe('heapMb', () => {
  it.each([
    [1024, 256],
    [2048, 512],
    [4096, 1024],
    [65536, 1024],
  ])('%i MB node: %i MB heap', (mem, want) => {
    expect(heapMb(mem, 0.25, 256, 1024)).toBe(want);
  });
});
