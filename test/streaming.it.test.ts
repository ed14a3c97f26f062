/**
 * The streaming runtimes on real clusters of 1 head + 3 workers: ZooKeeper and Kafka in ZooKeeper
 * mode, a broker's worker killed mid-way (`cloudtik kill-node`) and replaced by the head's controller; Kafka alone in
 * KRaft mode. Messages go through Debian's kcat (kafkacat, on librdkafka), a client this project did not
 * write; the ZooKeeper servers are asked with their own four-letter words through netcat.
 */
import fsp from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../src/providers/virtual/engine.js';
import {
  cli,
  cliOk,
  clusterContainers,
  createTestWorkspace,
  eventually as pollUntil,
  execInContainer,
  sweepWorkspace,
  tempDir,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('strm');
let dir: string;
const MESSAGES = 10_000;
const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' });

function config(cluster: string, types: string[]): string {
  return `cluster_name: ${cluster}
workspace_name: ${ws}
provider:
  type: virtual
auth:
  ssh_user: ubuntu
runtime:
  types: [${types.join(', ')}]
  envs:
    # The controller sees a killed worker sooner.
    CLOUDTIK_HEARTBEAT_TIMEOUT_S: "5"
available_node_types:
  head.default:
    node_config:
      instance_type: { CPU: 1, memory: 1G }
  worker.default:
    min_workers: 3
    max_workers: 3
    node_config:
      instance_type: { CPU: 1, memory: 1536M }
`;
}

interface Worker {
  id: string;
  ip: string;
  /** Its node sequence number: its broker id and ZooKeeper myid. */
  seq: number;
}

/** The cluster's running workers, from the engine. */
async function workers(cluster: string): Promise<Worker[]> {
  return (await clusterContainers(ws, cluster))
    .filter((c) => c.Labels['cloudtik-node-kind'] === 'worker' && c.State === 'running')
    .map((c) => ({
      id: (c.Names[0] ?? '').replace(/^\//, ''),
      ip: Object.values(c.NetworkSettings.Networks)[0]?.IPAddress ?? '',
      seq: Number(c.Labels['cloudtik-node-seq-id']),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Run a shell command as the node user on a worker; its stdout (a non-zero exit fails). */
async function onNode(w: Worker, command: string, input?: string): Promise<string> {
  const r = await execInContainer(
    engine.getContainer(w.id),
    ['runuser', '-u', 'ubuntu', '--', 'bash', '-lc', command],
    {
      ...(input === undefined ? {} : { input }),
    },
  );
  if (r.code !== 0) throw new Error(`${w.ip}: ${command} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function eventually<T>(cluster: string, what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  return pollUntil(what, ms, check, {
    everyMs: 1000,
    context: async () => {
      const s = await cli(['status', `${dir}/${cluster}.yaml`]);
      const logs = await Promise.all(
        (await workers(cluster)).map(async (w) => {
          const tail = await onNode(w, 'tail -n 25 ~/runtime/cloudtik/logs/kafka.log').catch((e: Error) => e.message);
          return `--- kafka.log of ${w.ip} (node ${w.seq}) ---\n${tail}`;
        }),
      );
      return [s.stdout + s.stderr, ...logs].join('\n');
    },
  });
}

/** Broker ids the cluster's metadata lists, asked of the broker at `via`. */
async function brokers(via: Worker): Promise<number[]> {
  const out = await onNode(via, `kcat -b ${via.ip}:9092 -L -m 10 2>&1 | grep -E '^  +broker [0-9]+ at'`);
  return [...out.matchAll(/broker (\d+) at/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

/**
 * Create `events` (3 partitions, 3 replicas) through `via`, and wait until every broker's metadata
 * has it with a leader for each partition: a producer asks any broker, and one that has not caught
 * up yet answers with no partitions, which fails the delivery ("Unknown partition").
 */
async function createTopic(cluster: string, via: Worker): Promise<void> {
  await onNode(
    via,
    `kafka-topics --bootstrap-server ${via.ip}:9092 --create --topic events --partitions 3 --replication-factor 3`,
  );
  await topicLed(cluster);
}

/** Wait until every broker's metadata has `events` with a leader for each of its 3 partitions. */
async function topicLed(cluster: string): Promise<void> {
  for (const w of await workers(cluster)) {
    await eventually(cluster, `${w.ip} to know the topic's 3 partitions and their leaders`, 60_000, async () => {
      const out = await onNode(w, `kcat -b ${w.ip}:9092 -L -t events -m 10 2>&1`).catch(() => '');
      const led = [...out.matchAll(/partition \d+, leader (-?\d+)/g)].filter((m) => m[1] !== '-1');
      return out.includes('with 3 partitions') && led.length === 3 ? true : undefined;
    });
  }
}

/** Produce the lines `from`..`to` to `topic` with acks=all (every in-sync replica has them). */
async function produce(via: Worker, bootstrap: string, topic: string, from: number, to: number): Promise<void> {
  await onNode(
    via,
    `seq ${from} ${to} | kcat -P -b ${bootstrap} -t ${topic} -X request.required.acks=-1 -X message.timeout.ms=60000`,
  );
}

/** Every message of `topic`, from the beginning to its end. */
async function consume(via: Worker, bootstrap: string, topic: string): Promise<string[]> {
  const out = await onNode(via, `kcat -C -b ${bootstrap} -t ${topic} -o beginning -e -q -m 30`);
  return out.split('\n').filter((l) => l !== '');
}

function expectAll(lines: string[]): void {
  expect(lines).toHaveLength(MESSAGES);
  expect(new Set(lines).size).toBe(MESSAGES);
  expect(lines.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
}

/** The `zk_server_state` of each worker's ZooKeeper server, by worker address (`mntr`). */
async function zookeeperStates(cluster: string): Promise<Record<string, string>> {
  const states: Record<string, string> = {};
  for (const w of await workers(cluster)) {
    const out = await onNode(w, 'echo mntr | nc -q 2 localhost 2181').catch(() => '');
    states[w.ip] = /^zk_server_state\s+(\S+)/m.exec(out)?.[1] ?? 'no answer';
  }
  return states;
}

async function startCluster(cluster: string, types: string[]): Promise<{ file: string; readyMs: number }> {
  const file = await writeFile(dir, `${cluster}.yaml`, config(cluster, types));
  const t0 = Date.now();
  await cliOk(['start', file, '-y']);
  const [first] = await workers(cluster);
  await eventually(cluster, '3 brokers registered', 120_000, async () =>
    (await brokers(first as Worker)).length === 3 ? true : undefined,
  );
  return { file, readyMs: Date.now() - t0 };
}

beforeAll(async () => {
  dir = await tempDir('strm');
  await createTestWorkspace(dir, ws);
});

afterAll(async () => {
  for (const c of ['zk', 'kraft']) await cli(['stop', `${dir}/${c}.yaml`, '-y', '--hard']);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('zookeeper + kafka', () => {
  let file: string;

  it('forms an ensemble with one leader, and brokers registered in it with ids from the node sequence', async () => {
    const started = await startCluster('zk', ['zookeeper', 'kafka']);
    file = started.file;
    console.log(`zookeeper+kafka ready (1 head + 3 workers, all brokers registered): ${started.readyMs} ms`);
    const states = Object.values(await zookeeperStates('zk')).sort();
    expect(states).toEqual(['follower', 'follower', 'leader']);
    const all = await workers('zk');
    expect(await brokers(all[0] as Worker)).toEqual(all.map((w) => w.seq).sort((a, b) => a - b));
    const status = JSON.parse((await cliOk(['runtime', 'status', file, '--json'])).stdout) as {
      services: { service: string; healthy?: boolean; state?: string }[];
    };
    expect(status.services.filter((s) => s.service === 'zookeeper')).toHaveLength(3);
    expect(status.services.filter((s) => s.service === 'kafka')).toHaveLength(3);
    const info = JSON.parse((await cliOk(['info', file, '--json'])).stdout) as {
      endpoints: { runtime: string; url: string }[];
    };
    const ips = (await workers('zk')).map((w) => w.ip);
    const zk = info.endpoints.find((e) => e.runtime === 'zookeeper')?.url ?? '';
    expect(zk.split(',').sort()).toEqual(ips.map((ip) => `${ip}:2181`).sort());
  });

  it('keeps all 10,000 messages of a topic replicated 3 times across the loss and replacement of a broker', async () => {
    const before = await workers('zk');
    const [client, , victim] = before as [Worker, Worker, Worker];
    const bootstrap = `${client.ip}:9092`;
    await createTopic('zk', client);
    await produce(client, bootstrap, 'events', 1, MESSAGES / 2);
    // Killed for good (a container killed by the engine alone is restarted in place, as a host would reboot).
    await cliOk(['kill-node', file, '--node-ip', victim.ip, '--hard', '-y']);
    await produce(client, bootstrap, 'events', MESSAGES / 2 + 1, MESSAGES);
    expectAll(await consume(client, bootstrap, 'events'));
    // The head's controller replaces the worker; its broker registers and its ZooKeeper server joins the ensemble.
    const replacement = await eventually('zk', 'a replacement worker', 180_000, async () => {
      const now = await workers('zk');
      return now.length === 3 ? now.find((w) => !before.some((b) => b.id === w.id)) : undefined;
    });
    await eventually('zk', 'the replacement broker registered, the killed one gone', 180_000, async () => {
      const ids = await brokers(client);
      return ids.includes(replacement.seq) && !ids.includes(victim.seq) && ids.length === 3 ? ids : undefined;
    });
    const states = await eventually('zk', 'one leader, two followers', 60_000, async () => {
      const s = await zookeeperStates('zk');
      return Object.values(s).sort().join() === 'follower,follower,leader' ? s : undefined;
    });
    expect(['leader', 'follower']).toContain(states[replacement.ip]);
    expectAll(await consume(replacement, `${replacement.ip}:9092`, 'events'));
  });

  it('comes back from runtime stop and start with its messages, each broker started once', async () => {
    await cliOk(['runtime', 'stop', file]);
    await cliOk(['runtime', 'start', file]);
    const all = await workers('zk');
    const [client] = all as [Worker];
    await eventually('zk', '3 brokers registered again', 60_000, async () =>
      (await brokers(client)).length === 3 ? true : undefined,
    );
    await topicLed('zk');
    expectAll(await consume(client, `${client.ip}:9092`, 'events'));
    for (const w of all) {
      // The supervisor logs each restart of a daemon that exited: none for a broker that waited for ZooKeeper.
      expect(await onNode(w, 'grep -c "exited with code" ~/runtime/cloudtik/logs/kafka.log || true')).toBe('0\n');
    }
  });
});

describe('kafka alone (KRaft)', () => {
  it('round-trips 10,000 messages through a topic replicated 3 times', async () => {
    const started = await startCluster('kraft', ['kafka']);
    console.log(`kafka (KRaft) ready (1 head + 3 workers, all brokers registered): ${started.readyMs} ms`);
    const [client, other] = (await workers('kraft')) as [Worker, Worker];
    const quorum = await onNode(client, `kafka-metadata-quorum --bootstrap-server ${client.ip}:9092 describe --status`);
    const leader = Number(/^LeaderId:\s+(\d+)/m.exec(quorum)?.[1]);
    expect((await workers('kraft')).map((w) => w.seq)).toContain(leader);
    expect(quorum).toMatch(/^CurrentVoters:/m);
    expect(await brokers(client)).toHaveLength(3);
    await createTopic('kraft', client);
    await produce(client, `${client.ip}:9092`, 'events', 1, MESSAGES);
    expectAll(await consume(other, `${other.ip}:9092`, 'events'));
  });
});
