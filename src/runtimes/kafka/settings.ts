/** Kafka's settings from the cluster (brokers, listeners, quorum) and the user's `config`: pure, table tested. */
import crypto from 'node:crypto';
import type { Member } from '../node/ensemble.js';

export const BROKER_PORT = 9092;
export const CONTROLLER_PORT = 9093;

/** The KRaft controllers' state store key (their members by sequence number and address). */
export const VOTERS_KEY = 'kafka.voters';

/**
 * KRaft controllers of a new cluster: an odd number, so that losing one leaves a majority where
 * that is possible (1 or 2 workers: 1; 3 or 4: 3; 5 and more: 5). Pure.
 */
export function voterCount(workers: number): number {
  if (workers >= 5) return 5;
  if (workers >= 3) return 3;
  return 1;
}

/**
 * Replication defaults that fit `brokers` (the workers the cluster keeps): topics, the offsets
 * and transaction topics replicated three times where there are three brokers, and writes with
 * acks=all needing two in-sync replicas then (one broker may be lost without refusing writes). Pure.
 */
export function replicationDefaults(brokers: number): Record<string, number> {
  const factor = Math.max(1, Math.min(3, brokers));
  const minIsr = factor >= 3 ? 2 : 1;
  return {
    'default.replication.factor': factor,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': factor,
    'transaction.state.log.replication.factor': factor,
    'transaction.state.log.min.isr': minIsr,
  };
}

/**
 * The KRaft cluster id: 16 bytes from the workspace and cluster names, base64url (Kafka's form),
 * so every broker of a cluster finds the same without asking. Pure.
 */
export function kraftClusterId(clusterName: string): string {
  return crypto
    .createHash('sha256')
    .update(`cloudtik-kafka:${clusterName}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** `2@10.0.0.2:9093,3@...`: the KRaft controller quorum. Pure. */
export function quorumVoters(voters: readonly Member[]): string {
  return [...voters]
    .sort((a, b) => a.seq - b.seq)
    .map((m) => `${m.seq}@${m.ip}:${CONTROLLER_PORT}`)
    .join(',');
}

export type KafkaMode =
  | { kind: 'zookeeper'; connect: string }
  | { kind: 'kraft'; voters: readonly Member[]; controller: boolean; clusterId: string };

export interface BrokerInput {
  self: Member;
  brokers: number;
  logDirs: readonly string[];
  mode: KafkaMode;
  /** The user's `runtime.kafka.config`, over ours. */
  user: Readonly<Record<string, unknown>>;
}

/** server.properties: identity and listeners at the node's address, the mode's settings, replication, then the user's. Pure. */
export function serverProperties(input: BrokerInput): Record<string, string | number | boolean> {
  const { self, mode } = input;
  const values: Record<string, string | number | boolean> = {};
  if (mode.kind === 'zookeeper') {
    values['broker.id'] = self.seq;
    values.listeners = `PLAINTEXT://${self.ip}:${BROKER_PORT}`;
    values['zookeeper.connect'] = mode.connect;
    values['zookeeper.connection.timeout.ms'] = 18000;
  } else {
    values['process.roles'] = mode.controller ? 'broker,controller' : 'broker';
    values['node.id'] = self.seq;
    values['controller.quorum.voters'] = quorumVoters(mode.voters);
    values.listeners = mode.controller
      ? `PLAINTEXT://${self.ip}:${BROKER_PORT},CONTROLLER://${self.ip}:${CONTROLLER_PORT}`
      : `PLAINTEXT://${self.ip}:${BROKER_PORT}`;
    values['advertised.listeners'] = `PLAINTEXT://${self.ip}:${BROKER_PORT}`;
    values['controller.listener.names'] = 'CONTROLLER';
    values['listener.security.protocol.map'] = 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT';
    values['inter.broker.listener.name'] = 'PLAINTEXT';
  }
  Object.assign(values, {
    'log.dirs': input.logDirs.join(','),
    'num.partitions': 1,
    'log.retention.hours': 168,
    'log.segment.bytes': 1073741824,
    'num.network.threads': 3,
    'num.io.threads': 8,
    'group.initial.rebalance.delay.ms': 0,
    ...replicationDefaults(input.brokers),
  });
  for (const [k, v] of Object.entries(input.user)) values[k] = v as string | number | boolean;
  return values;
}
