/**
 * Kafka on a node: a broker on every worker, `broker.id` / `node.id` from its sequence number,
 * listening at its address, its logs over all data disks. With ZooKeeper (the zookeeper runtime
 * in the cluster, or `zookeeper_connect`) the brokers register there, as in CloudTik, and start
 * once the ensemble has a quorum; without it they run in KRaft mode, the first workers (an odd
 * number, see voterCount) being the controller quorum as well as brokers.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../core/clock.js';
import { CloudtikError } from '../../core/errors.js';
import { quote } from '../../core/command/shell.js';
import type { StateStore } from '../../core/state/store.js';
import { startService, stopService } from '../../node/services.js';
import { UsageSampler } from '../../node/metrics.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { openStateStore, parseMembers, settleQuorum, type Member } from '../node/ensemble.js';
import { diskDirs, writeConf } from '../node/hadoop.js';
import { daemonEnv, fourLetterWord, heapMb, propertiesText, serverMode } from '../node/jvm-daemon.js';
import { CLIENT_PORT, connectString, ENSEMBLE_KEY, holdsEphemeral, quorumOf } from '../zookeeper/settings.js';
import { kraftClusterId, serverProperties, voterCount, VOTERS_KEY, type KafkaMode } from './settings.js';

export const SERVICE = 'kafka';

function logDirs(ctx: RuntimeNodeContext): string[] {
  return diskDirs(ctx, path.join('kafka', 'data'), path.join(ctx.home, 'kafka', 'data'));
}

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) return;
  for (const d of logDirs(ctx)) await fsp.mkdir(d, { recursive: true });
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) return;
  const self: Member = { seq: ctx.seqId ?? 0, ip: ctx.nodeIp };
  const options = optionsOf(ctx, 'kafka');
  const store = await openStateStore(ctx);
  let mode: KafkaMode;
  try {
    mode = await modeOf(ctx, self, options, store);
  } finally {
    await store.close();
  }
  const dirs = logDirs(ctx);
  const props = serverProperties({
    self,
    brokers: Math.max(1, ctx.minWorkers),
    logDirs: dirs,
    mode,
    user: (options.config ?? {}) as Record<string, unknown>,
  });
  const conf = path.join(ctx.home, 'kafka', 'conf');
  await writeConf(conf, 'server.properties', propertiesText(props, 'Kafka broker'));
  const file = quote(path.join(conf, 'server.properties'));
  const heap = heapMb(new UsageSampler().sample().memoryTotal / 2 ** 20, 0.25, 256, 1024);
  // KRaft log folders are formatted once, with the cluster's id, just before the first start.
  const command =
    mode.kind === 'kraft'
      ? [
          'bash',
          '-c',
          `[ -f ${quote(path.join(dirs[0] ?? '', 'meta.properties'))} ] || kafka-storage format --ignore-formatted -t ${quote(mode.clusterId)} -c ${file} || exit 1; exec kafka-server-start ${file}`,
        ]
      : ['kafka-server-start', path.join(conf, 'server.properties')];
  await startService(SERVICE, command, { env: daemonEnv(heap) });
}

async function modeOf(
  ctx: RuntimeNodeContext,
  self: Member,
  options: Record<string, unknown>,
  store: StateStore,
): Promise<KafkaMode> {
  if (typeof options.zookeeper_connect === 'string' && options.zookeeper_connect !== '')
    return { kind: 'zookeeper', connect: options.zookeeper_connect };
  if (ctx.runtime.types.includes('zookeeper')) {
    return { kind: 'zookeeper', connect: connectString(await zookeeperQuorum(self, store)) };
  }
  const role = await settleQuorum(store, self, {
    key: VOTERS_KEY,
    size: voterCount(ctx.minWorkers),
    what: "Kafka's KRaft controller quorum",
  });
  return {
    kind: 'kraft',
    voters: role.members,
    controller: role.kind !== 'join',
    clusterId: kraftClusterId(ctx.clusterName ?? 'cluster'),
  };
}

/**
 * The ZooKeeper ensemble, once it answers: its record in the state store, and a majority of its
 * members serving (one of them the leader). A broker started before would only retry its session.
 */
async function zookeeperQuorum(self: Member, store: StateStore): Promise<Member[]> {
  const deadline = systemClock.now() + 600_000;
  let seen = 'no ensemble recorded yet';
  while (systemClock.now() < deadline) {
    const members = parseMembers(await store.getValue(ENSEMBLE_KEY));
    if (members) {
      const modes = await Promise.all(
        members.map(async (m) => serverMode(await fourLetterWord(m.ip, CLIENT_PORT, 'srvr'))),
      );
      const serving = modes.filter((m) => m === 'leader' || m === 'follower').length;
      const leader = members[modes.indexOf('leader')];
      if (leader && serving >= quorumOf(members.length)) {
        // A broker stopped without closing its session (killed) is registered until that session
        // expires; starting before would only fail on "NodeExists" and retry.
        const dump = await fourLetterWord(leader.ip, CLIENT_PORT, 'dump');
        if (dump !== undefined && !holdsEphemeral(dump, `/brokers/ids/${self.seq}`)) return members;
        seen = `broker id ${self.seq} is still registered by an earlier session`;
        await systemClock.sleep(500);
        continue;
      }
      seen = members.map((m, i) => `${m.ip}: ${modes[i] ?? 'no answer'}`).join(', ');
    }
    await systemClock.sleep(500);
  }
  throw new CloudtikError(
    'ERR_CLOUDTIK_NODE_COMMAND',
    `worker ${self.ip}: ZooKeeper is not ready for the Kafka broker`,
    {
      hint: `ZooKeeper servers: ${seen}; see ~/runtime/cloudtik/logs/zookeeper.log on the workers`,
    },
  );
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) return;
  await stopService(SERVICE);
}
