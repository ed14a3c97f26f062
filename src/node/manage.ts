/**
 * `cloudtik node start|stop`: start and stop the node services under their supervisor. Kept apart
 * from the services themselves so these short commands load little.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../config/env.js';
import { readBootstrap, readSecrets, type ControllerBootstrap } from '../core/cluster/bootstrap.js';
import { waitFor } from '../core/deadline.js';
import { CloudtikError } from '../core/errors.js';
import { ownCliArgv, runInteractiveSync } from '../core/process.js';
import { SERVICES_RELEASE_KEY, STATE_PORT } from '../core/state/store.js';
import { headStateDir } from '../providers/provider.js';
import {
  recordedServices,
  SERVICE_ORDER,
  servicePaths,
  startService,
  stopService,
  writeOwnFile,
  type ServiceName,
} from './services.js';

export async function redisPassword(): Promise<string> {
  const pw = env.redisPassword() ?? (await readSecrets(headStateDir()))?.redisPassword;
  if (!pw) {
    throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', 'the state store password is not known on this node', {
      hint: 'node services get CLOUDTIK_REDIS_PASSWORD from the node updater; run cloudtik start again',
    });
  }
  return pw;
}

/** The command the supervisor runs for a service. */
function serviceCommand(name: ServiceName, redisConf: string): string[] {
  if (name === 'state') return ['redis-server', redisConf];
  return ownCliArgv('node', 'run', name);
}

function redisConfig(bind: string[], password: string, dir: string): string {
  // requirepass is in a file only the node user reads, not on a command line.
  return [
    `port ${STATE_PORT}`,
    `bind ${bind.join(' ')}`,
    'protected-mode yes',
    `requirepass ${password}`,
    `dir ${dir}`,
    'daemonize no',
    'save ""',
    // Scale requests, events and the node table outlive a restart of the head (an engine or host
    // restart): the append-only file in the head's own file system is read back when Redis starts.
    'appendonly yes',
    'appendfsync everysec',
    'loglevel notice',
    'logfile ""',
    '',
  ].join('\n');
}

export interface NodeServiceOptions {
  head?: boolean;
  state?: boolean;
  controller?: boolean;
  all?: boolean;
  /** `start`: stop the services first. */
  restart?: boolean;
  /** `stop`: every service with a pid file, runtime daemons included (before a host is given back). */
  services?: boolean;
  /** `stop`: SIGKILL at once, as a crash would. */
  kill?: boolean;
}

/**
 * Services a `node start|stop` names: `--state`, `--controller`, or the agent when neither is
 * given (on the head with the job runner, which runs as the node user as the agent does).
 */
function namedServices(o: NodeServiceOptions): ServiceName[] {
  if (o.all) return ['jobs', 'controller', 'agent', 'state'];
  const names: ServiceName[] = [];
  if (o.state) names.push('state');
  if (o.controller) names.push('controller');
  if (names.length === 0) names.push(...(o.head ? ['agent', 'jobs'] : ['agent']));
  return names;
}

function flags(o: NodeServiceOptions): string[] {
  return (['head', 'state', 'controller', 'all', 'restart', 'services', 'kill'] as const)
    .filter((k) => o[k])
    .map((k) => `--${k}`);
}

/**
 * The controller drives the Docker engine (through the cluster's gate) and writes the shared
 * state folder, so it runs as root: a node user starting it runs the same command through sudo
 * (stopping it takes only a signal, see stopService). Returns the exit code of that, or undefined when already root or when the
 * provider needs no root for it (see env.controllerAsUser).
 */
function asRoot(argv: string[]): number | undefined {
  if (process.getuid?.() === 0 || env.controllerAsUser()) return undefined;
  return runInteractiveSync('sudo', ['-n', '-E', ...ownCliArgv(...argv)], {
    env: { ...env.processEnv(), CLOUDTIK_RUNTIME_DIR: env.runtimeDir() },
  });
}

export interface NodeServicesResult {
  started: string[];
  stopped: string[];
  running: string[];
  /** Set when the work was done by the same command run through sudo (it printed its own result). */
  code?: number;
}

/**
 * On the head, these begin once the call that starts them (the node's start commands) has ended:
 * nobody waits on them before, and in a pod of a fraction of a core their start (about 0.3 s of
 * CPU) held up the call's last commands (measured on Kubernetes, 6 starts a side: the head's
 * update took 1.40 s, 1.15 s with them held). A worker's agent starts at once: its first
 * heartbeat is what makes the worker join.
 */
const AFTER_CALL: readonly ServiceName[] = ['agent', 'jobs'];

/**
 * Whether a head service waits for the call that starts it to end: those of AFTER_CALL, and the
 * controller when `start` is setting up the first workers itself (they were launched with a new
 * head, see ControllerBootstrap.setUpByStart): it has nothing to do before the call ends, and its
 * start would slow the call's last commands as the agent's did (bench/kubernetes.mjs, 5 starts a
 * side: 2097 ms median with the controller started at once, 1903 ms held). Pure.
 */
export function waitsForCall(
  name: ServiceName,
  bootstrap: Pick<ControllerBootstrap, 'setUpByStart'> | undefined,
): boolean {
  if (AFTER_CALL.includes(name)) return true;
  return name === 'controller' && (bootstrap?.setUpByStart?.nodes.length ?? 0) > 0;
}

/**
 * How long a service held by a start (see heldByStart) waits for the release at most: a start
 * that died before it released them (killed) holds the head's services no longer than this.
 */
const START_HOLD_SECONDS = 30;

/**
 * Whether a head service waits, after the call, for the start that called it to release it (see
 * ServiceHold): the services nobody waits on (the agent, the job runner, and the controller while
 * `start` sets up the workers launched with a new head, see waitsForCall) when the call is that
 * start's (`CLOUDTIK_HELD_BY_START`). Started at the call's end, their start-up (about 0.3 s of
 * CPU on a head pod of 0.4 core) took the head pod's CPU quota while the start waited for its
 * workers to join through the head's state store, in the same pod: on Kubernetes, 1 head + 3
 * workers, from the head's update to its workers seen joined took 0.12 s then (median of 14
 * starts), 0.05 s with them held until the release (8 starts). Pure.
 */
export function heldByStart(name: ServiceName, startHolds: boolean): boolean {
  return startHolds && (AFTER_CALL.includes(name) || name === 'controller');
}

/** What `cloudtik node start` prints of its result: a line per service. Pure. */
export function startedText(r: NodeServicesResult): string {
  return [
    ...r.stopped.map((s) => `stopped ${s}`),
    ...r.started.map((s) => `started ${s}`),
    ...r.running.map((s) => `${s} already running`),
  ].join('\n');
}

export async function nodeStart(o: NodeServiceOptions): Promise<NodeServicesResult> {
  if (o.controller && !o.head) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'the controller runs on the head only', { hint: 'add --head' });
  }
  if (o.controller) {
    const code = asRoot(['node', 'start', ...flags(o)]);
    if (code !== undefined) return { started: [], stopped: [], running: [], code };
  }
  const result: NodeServicesResult = { started: [], stopped: [], running: [] };
  const runtimeDir = env.runtimeDir();
  for (const name of namedServices(o)) {
    // The controller follows config changes by itself; it restarts only for new code (the dev
    // loop installs a new package), so a re-run of `start` keeps its memory of the cluster.
    const stamp = name === 'controller' ? await codeStamp() : undefined;
    const keep = stamp !== undefined && stamp === (await readStamp(name, runtimeDir));
    if (o.restart && !keep && (await stopService(name, { runtimeDir }))) result.stopped.push(name);
    let redisConf = '';
    if (name === 'state') {
      const id = env.nodeIdentity();
      const dir = path.join(runtimeDir, 'redis');
      await fsp.mkdir(dir, { recursive: true });
      redisConf = path.join(dir, 'redis.conf');
      const bind = ['127.0.0.1', ...(id.nodeIp ? [id.nodeIp] : [])];
      await fsp.writeFile(redisConf, redisConfig(bind, await redisPassword(), dir), { mode: 0o600 });
    }
    const hold =
      o.head && heldByStart(name, env.heldByStart())
        ? { key: SERVICES_RELEASE_KEY, port: STATE_PORT, password: await redisPassword(), seconds: START_HOLD_SECONDS }
        : undefined;
    // The release comes once the start's call has ended: a held service does not watch the call
    // as well (its supervisor's look every 50 ms is a process each time, in the call's CPU share).
    const afterPid = !hold && o.head && waitsForCall(name, await callBootstrap(name)) ? env.nodeCallPid() : undefined;
    const r = await startService(name, serviceCommand(name, redisConf), { runtimeDir, afterPid, hold });
    if (r.started && stamp !== undefined) await writeOwnFile(stampFile(name, runtimeDir), stamp);
    (r.started ? result.started : result.running).push(name);
    if (name === 'state') await waitForStateStore(servicePaths('state', runtimeDir).log);
  }
  return result;
}

/** What waitsForCall reads of the controller's config (other services need none). */
async function callBootstrap(name: ServiceName): Promise<Pick<ControllerBootstrap, 'setUpByStart'> | undefined> {
  if (name !== 'controller') return undefined;
  return (await readBootstrap(headStateDir()).catch(() => undefined))?.bootstrap;
}

function stampFile(name: ServiceName, runtimeDir: string): string {
  return path.join(servicePaths(name, runtimeDir).runDir, `${name}.code`);
}

async function readStamp(name: ServiceName, runtimeDir: string): Promise<string> {
  return fsp.readFile(stampFile(name, runtimeDir), 'utf8').catch(() => '');
}

/** What identifies the installed code: the CLI's real path and its modification time. */
async function codeStamp(): Promise<string> {
  const cli = process.argv[1] ?? '';
  const real = await fsp.realpath(cli).catch(() => cli);
  const stat = await fsp.stat(real).catch(() => undefined);
  return `${real}:${stat?.mtimeMs ?? 0}`;
}

async function waitForStateStore(log: string): Promise<void> {
  const password = await redisPassword();
  const { RedisStateStore } = await import('../core/state/redis-store.js');
  await waitFor(
    async () => {
      const store = await RedisStateStore.connect({ host: '127.0.0.1', password, connectTimeoutMs: 1000 });
      await store.close();
      return true;
    },
    {
      what: `the state store to answer on port ${STATE_PORT}`,
      ms: 15_000,
      // Redis answers within tens of milliseconds of its start (an attempt is one local connection);
      // one that reads back a long append-only file takes longer.
      pauseMs: (waited) => (waited < 1000 ? 20 : 100),
      retryErrors: true,
      hint: `see its log: ${log}; by hand: redis-cli -p ${STATE_PORT} ping (NOAUTH means it answers)`,
    },
  );
}

export async function nodeStop(o: NodeServiceOptions): Promise<NodeServicesResult> {
  // The job runner goes with the agent (a node that has none has nothing to stop).
  const names = o.services ? await recordedServices() : namedServices({ ...o, head: true });
  // A controller that runs as root is signalled through `sudo kill` (see stopService).
  const result: NodeServicesResult = { started: [], stopped: [], running: [] };
  const graceMs = o.kill ? 0 : undefined;
  // Runtime daemons go together; the node's own services after them, one by one in stop order.
  const daemons = names.filter((n) => !SERVICE_ORDER.includes(n));
  const stopped = await Promise.all(daemons.map((n) => stopService(n, { graceMs })));
  result.stopped.push(...daemons.filter((_, i) => stopped[i]));
  for (const n of names.filter((n) => SERVICE_ORDER.includes(n))) {
    if (await stopService(n, { graceMs })) result.stopped.push(n);
  }
  return result;
}
