/**
 * ZooKeeper on a node: an ensemble of the workers (the head runs none, as in CloudTik). `myid` is
 * the node's sequence number. The first workers form the ensemble together (see
 * ../node/ensemble.ts); a worker that comes later starts with the members and itself and asks
 * the ensemble to take it in (`reconfig -add`), taking out members whose nodes are gone.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../core/clock.js';
import { CloudtikError } from '../../core/errors.js';
import { runTool } from '../../core/process.js';
import { startService, stopService } from '../../node/services.js';
import { UsageSampler } from '../../node/metrics.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { openStateStore, parseMembers, settleQuorum, type Member } from '../node/ensemble.js';
import { writeConf } from '../node/hadoop.js';
import { daemonEnv, fourLetterWord, heapMb, propertiesText, serverMode, toolEnv } from '../node/jvm-daemon.js';
import {
  CLIENT_PORT,
  dynamicConfig,
  ENSEMBLE_KEY,
  ensembleSize,
  membersAfterJoin,
  reconfigArgs,
  zooCfg,
} from './settings.js';

export const SERVICE = 'zookeeper';

function dirs(ctx: RuntimeNodeContext): { conf: string; data: string } {
  const data = ctx.dataDisks[0]
    ? path.join(ctx.dataDisks[0], 'zookeeper', 'data')
    : path.join(ctx.home, 'zookeeper', 'data');
  return { conf: path.join(ctx.home, 'zookeeper', 'conf'), data };
}

function self(ctx: RuntimeNodeContext): Member {
  return { seq: ctx.seqId ?? 0, ip: ctx.nodeIp };
}

/** Workers: the data folder and `myid` (the members are known at start, when the workers are up). */
export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) return;
  const d = dirs(ctx);
  if (!ctx.seqId) {
    throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `worker ${ctx.nodeIp}: no node sequence number for myid`, {
      hint: 'CLOUDTIK_NODE_SEQ_ID comes from the node updater; run cloudtik start again',
    });
  }
  await fsp.mkdir(d.data, { recursive: true });
  await fsp.writeFile(path.join(d.data, 'myid'), `${ctx.seqId}\n`);
}

async function writeConfig(ctx: RuntimeNodeContext, members: readonly Member[]): Promise<string> {
  const d = dirs(ctx);
  const dynamicFile = path.join(d.conf, 'zoo.cfg.dynamic');
  await writeConf(d.conf, 'zoo.cfg.dynamic', dynamicConfig(members));
  const cfg = zooCfg(d.data, dynamicFile, (optionsOf(ctx, 'zookeeper').config ?? {}) as Record<string, unknown>);
  await writeConf(d.conf, 'zoo.cfg', propertiesText(cfg, 'ZooKeeper'));
  return path.join(d.conf, 'zoo.cfg');
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) return;
  const me = self(ctx);
  const store = await openStateStore(ctx);
  try {
    const role = await settleQuorum(store, me, {
      key: ENSEMBLE_KEY,
      size: ensembleSize(ctx.minWorkers),
      what: 'the ZooKeeper ensemble',
    });
    const members = role.kind === 'join' ? membersAfterJoin(role.members, me, role.gone) : role.members;
    // A joining server starts with the members that are there and itself; the ensemble takes it in below.
    const joining = role.kind === 'join' ? [...role.members.filter((m) => m.seq !== me.seq), me] : members;
    const cfg = await writeConfig(ctx, joining);
    const heap = heapMb(new UsageSampler().sample().memoryTotal / 2 ** 20, 0.125, 128, 512);
    await startService(SERVICE, ['zookeeper-server-start', cfg], { env: daemonEnv(heap) });
    if (role.kind === 'join') {
      await joinEnsemble(ctx, role.members, role.gone);
      await store.setValue(ENSEMBLE_KEY, JSON.stringify(members));
    }
  } finally {
    await store.close();
  }
}

/**
 * Ask the ensemble to take this server in: `reconfig` against each live member in turn, until
 * one commits it (a new server must first catch up with the leader: "no quorum of the new config").
 */
async function joinEnsemble(
  ctx: RuntimeNodeContext,
  members: readonly Member[],
  gone: readonly Member[],
): Promise<void> {
  const me = self(ctx);
  const asked = members.filter((m) => m.seq !== me.seq && !gone.some((g) => g.seq === m.seq));
  const deadline = systemClock.now() + 120_000;
  let last = '';
  while (systemClock.now() < deadline) {
    for (const m of asked) {
      const r = await runTool('zookeeper-shell', ['-server', `${m.ip}:${CLIENT_PORT}`, ...reconfigArgs(me, gone)], {
        signal: AbortSignal.timeout(60_000),
        env: toolEnv(),
      });
      last = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-3).join(' | ');
      if (new RegExp(`^server\\.${me.seq}=`, 'm').test(r.stdout)) return;
    }
    await systemClock.sleep(2000);
  }
  throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `worker ${me.ip}: the ZooKeeper ensemble did not take it in`, {
    hint: `last answer of reconfig: ${last || 'none'}; see ~/runtime/cloudtik/logs/${SERVICE}.log`,
  });
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) return;
  if (ctx.runtime.types.includes('kafka')) {
    // Stop commands run in runtime order (zookeeper before kafka): this node's broker goes first.
    await stopService('kafka');
    await brokersGone(ctx, 20_000);
  }
  await stopService(SERVICE);
}

/**
 * When the whole cluster's runtimes stop, every node stops its broker and then its ZooKeeper
 * server, all at once: a broker whose ensemble lost its quorum first cannot shut down in order and is killed
 * after its grace (30 s), its registration left to expire. So a server stays up, for `ms` at
 * most, while the ensemble's leader still lists a broker.
 */
async function brokersGone(ctx: RuntimeNodeContext, ms: number): Promise<void> {
  const store = await openStateStore(ctx).catch(() => undefined);
  const members = store ? parseMembers(await store.getValue(ENSEMBLE_KEY).finally(() => store.close())) : undefined;
  const deadline = systemClock.now() + ms;
  while (members && systemClock.now() < deadline) {
    const modes = await Promise.all(members.map(async (m) => modeOf(m.ip)));
    const leader = members[modes.indexOf('leader')];
    const dump = leader ? await fourLetterWord(leader.ip, CLIENT_PORT, 'dump') : undefined;
    if (dump === undefined || !/^\s*\/brokers\/ids\//m.test(dump)) return;
    await systemClock.sleep(250);
  }
}

/** The mode a worker's server is in (`leader`, `follower`, ...), or undefined when it does not answer. */
export async function modeOf(ip: string): Promise<string | undefined> {
  return serverMode(await fourLetterWord(ip, CLIENT_PORT, 'srvr'));
}
