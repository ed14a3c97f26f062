/** ZooKeeper's settings from the ensemble and the user's `config`: pure, table tested. */
import type { Member } from '../node/ensemble.js';

export const CLIENT_PORT = 2181;
export const QUORUM_PORT = 2888;
export const ELECTION_PORT = 3888;

/** The ensemble's state store key (its members by sequence number and address). */
export const ENSEMBLE_KEY = 'zookeeper.ensemble';

/** Members a ZooKeeper ensemble needs to answer: a majority. Pure. */
export function quorumOf(members: number): number {
  return Math.floor(members / 2) + 1;
}

/**
 * Members of a new ensemble: every worker the cluster keeps (`min_workers`, as CloudTik forms it),
 * at least one. Pure.
 */
export function ensembleSize(minWorkers: number): number {
  return Math.max(1, minWorkers);
}

/** One member's line of the dynamic configuration. Pure. */
export function serverLine(m: Member): string {
  return `server.${m.seq}=${m.ip}:${QUORUM_PORT}:${ELECTION_PORT}:participant;0.0.0.0:${CLIENT_PORT}`;
}

/** The dynamic configuration file: one line per member, by sequence number. Pure. */
export function dynamicConfig(members: readonly Member[]): string {
  return `${[...members]
    .sort((a, b) => a.seq - b.seq)
    .map(serverLine)
    .join('\n')}\n`;
}

/** `h1:2181,h2:2181,...`: the ensemble for clients (Kafka's zookeeper.connect), by sequence number. Pure. */
export function connectString(members: readonly Member[]): string {
  return [...members]
    .sort((a, b) => a.seq - b.seq)
    .map((m) => `${m.ip}:${CLIENT_PORT}`)
    .join(',');
}

/**
 * zoo.cfg: CloudTik's settings (ticks, limits, no standalone mode, reconfiguration on, no ACLs so
 * that `reconfig` needs no super user), the four-letter words health checks and Kafka's start
 * use (`dump`: the ephemeral nodes, asked of the leader), then the user's
 * `runtime.zookeeper.config` over them. The members are in the dynamic file. Pure.
 */
export function zooCfg(
  dataDir: string,
  dynamicFile: string,
  user: Readonly<Record<string, unknown>>,
): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {
    tickTime: 2000,
    initLimit: 10,
    syncLimit: 5,
    dataDir,
    standaloneEnabled: false,
    reconfigEnabled: true,
    skipACL: 'yes',
    '4lw.commands.whitelist': 'srvr,mntr,ruok,stat,conf,isro,dump',
    // The admin server needs Jetty, which the image leaves out.
    'admin.enableServer': false,
    'autopurge.purgeInterval': 24,
  };
  for (const [k, v] of Object.entries(user)) values[k] = v as string | number | boolean;
  // Ours: the members live in the dynamic file, which ZooKeeper rewrites on each reconfiguration.
  values.dynamicConfigFile = dynamicFile;
  return values;
}

/** The `reconfig` arguments that add `self` and take out the members whose nodes are gone. Pure. */
export function reconfigArgs(self: Member, gone: readonly Member[]): string[] {
  const args = ['reconfig', '-add', serverLine(self)];
  if (gone.length > 0) args.push('-remove', gone.map((m) => String(m.seq)).join(','));
  return args;
}

/** The members after a join: `gone` out, `self` in, by sequence number. Pure. */
export function membersAfterJoin(members: readonly Member[], self: Member, gone: readonly Member[]): Member[] {
  const out = new Set(gone.map((m) => m.seq));
  return [...members.filter((m) => !out.has(m.seq) && m.seq !== self.seq), self].sort((a, b) => a.seq - b.seq);
}

/** Whether the leader's `dump` lists the ephemeral node `path` (a live session still holds it). Pure. */
export function holdsEphemeral(dump: string, path: string): boolean {
  return dump.split('\n').some((line) => line.trim() === path);
}
