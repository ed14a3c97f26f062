/**
 * Node services (the state store, the node agent, the cluster controller) run under a small
 * supervisor: a shell loop that restarts the service when it exits, with a growing pause, and
 * writes each restart to the service's log. `cloudtik node start` spawns it detached and keeps
 * its pid; `cloudtik node stop` ends it (and so the service) by that pid.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../config/env.js';
import { waitUpTo } from '../core/deadline.js';
import { CloudtikError } from '../core/errors.js';
import { pidAlive } from '../core/pid.js';
import { runTool, startDetached, toolError } from '../core/process.js';
import { WAKE_TTL_S } from '../core/state/store.js';
import { anyThreadActive, groupStats, procStat, runs, type ProcStat } from './proc.js';

/** Node services: the state store, agent, controller and job runner, and runtime daemons (`hdfs-namenode`, ...). */
export type ServiceName = 'state' | 'agent' | 'controller' | 'jobs' | (string & {});

/** Service names in start order; stop goes the other way. */
export const SERVICE_ORDER: readonly ServiceName[] = ['state', 'agent', 'controller', 'jobs'];

export interface ServicePaths {
  logDir: string;
  runDir: string;
  log: string;
  pidFile: string;
}

export function servicePaths(name: ServiceName, runtimeDir = env.runtimeDir()): ServicePaths {
  const logDir = path.join(runtimeDir, 'logs');
  const runDir = path.join(runtimeDir, 'run');
  return { logDir, runDir, log: path.join(logDir, `${name}.log`), pidFile: path.join(runDir, `${name}.pid`) };
}

/**
 * The supervisor: `bash -c SCRIPT supervise <name> <log> <command...>`. It restarts the command
 * when it exits (1 s pause, doubling up to 30 s, back to 1 s after a run of 30 s or more) and
 * stops it on SIGTERM. With `CLOUDTIK_SERVICE_AFTER_PID` set, the first start waits until that
 * process has ended (at most 10 s); then, with `CLOUDTIK_SERVICE_HOLD_KEY` set, until a release
 * comes through the state store (see {@link ServiceHold}).
 */
export const SUPERVISOR_SCRIPT = `
name=$1; log=$2; shift 2
child=; stopping=
on_term() { stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null; }
trap on_term TERM INT
# In the background; a stop that came before its pid was known did not reach it, and gets it now.
run_child() {
  "$@" &
  child=$!
  [ -z "$stopping" ] || kill -TERM "$child" 2>/dev/null
}
if [ -n "\${CLOUDTIK_SERVICE_AFTER_PID:-}" ]; then
  n=0
  while [ -d "/proc/$CLOUDTIK_SERVICE_AFTER_PID" ] && [ -z "$stopping" ] && [ "$n" -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
  [ -n "$stopping" ] && exit 0
fi
if [ -n "\${CLOUDTIK_SERVICE_HOLD_KEY:-}" ]; then
  store=(redis-cli -h 127.0.0.1 -p "$CLOUDTIK_SERVICE_HOLD_PORT" --no-auth-warning)
  run_child "\${store[@]}" BLPOP "$CLOUDTIK_SERVICE_HOLD_KEY" "$CLOUDTIK_SERVICE_HOLD_SECONDS" >/dev/null 2>&1
  wait "$child"; child=
  [ -n "$stopping" ] && exit 0
  # The release is handed on to the next service held on it.
  "\${store[@]}" RPUSH "$CLOUDTIK_SERVICE_HOLD_KEY" 1 >/dev/null 2>&1 && "\${store[@]}" EXPIRE "$CLOUDTIK_SERVICE_HOLD_KEY" ${WAKE_TTL_S} >/dev/null 2>&1
fi
unset CLOUDTIK_SERVICE_AFTER_PID CLOUDTIK_NODE_CALL_PID CLOUDTIK_HELD_BY_START CLOUDTIK_SERVICE_HOLD_KEY CLOUDTIK_SERVICE_HOLD_PORT CLOUDTIK_SERVICE_HOLD_SECONDS REDISCLI_AUTH
note() { printf '{"level":%s,"time":%s,"service":"%s","msg":"%s"}\\n' "$1" "$(date +%s%3N)" "$name" "$2" >>"$log"; }
delay=1
while :; do
  [ -n "$stopping" ] && { note 30 "stopped"; exit 0; }
  started=$(date +%s)
  run_child "$@" >>"$log" 2>&1 </dev/null
  while :; do
    wait "$child"; code=$?
    kill -0 "$child" 2>/dev/null || break
  done
  [ -n "$stopping" ] && { note 30 "stopped"; exit 0; }
  ran=$(( $(date +%s) - started ))
  [ "$ran" -ge 30 ] && delay=1
  note 40 "exited with code $code after \${ran}s; restarting in \${delay}s"
  run_child sleep "$delay"; wait "$child"
  delay=$(( delay * 2 > 30 ? 30 : delay * 2 ))
done
`;

/**
 * When a process started (field 22 of /proc/<pid>/stat, in clock ticks since boot), or undefined
 * where /proc does not tell. Kept beside the pid: after a container restart its pids start over,
 * and a pid file left from before may name an unrelated process of the new start.
 */
export function processStart(pid: number): string | undefined {
  return procStat(pid)?.start;
}

/**
 * Whether process `pid` runs (a zombie does not) and, when `started` is given, is the one that
 * started then.
 */
export function processRuns(pid: number, started?: string): boolean {
  const stat = procStat(pid);
  return runs(stat) && (started === undefined || stat.start === started);
}

/** The pid of a running service's supervisor, or undefined. */
export async function servicePid(name: ServiceName, runtimeDir?: string): Promise<number | undefined> {
  const { pidFile } = servicePaths(name, runtimeDir);
  const raw = await fsp.readFile(pidFile, 'utf8').catch(() => '');
  const [pidText = '', started] = raw.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (started !== undefined) {
    const now = processStart(pid);
    if (now !== undefined && now !== started) return undefined;
  }
  return pidAlive(pid) ? pid : undefined;
}

/**
 * A hold on a service's first start until a release comes: a blocking pop of list `key` on the
 * state store at 127.0.0.1:`port` (`redis-cli`, the password in its environment, never in its
 * arguments), for at most `seconds`; a store that cannot be reached holds nothing. The one
 * released passes the release on to the next one held on the same list.
 */
export interface ServiceHold {
  key: string;
  port: number;
  password: string;
  seconds: number;
}

/**
 * Start `command` under the supervisor unless the service already runs; with `afterPid`, the
 * command itself starts once that process has ended, and with `hold`, once released. Returns the
 * supervisor's pid and whether it was started now.
 */
export async function startService(
  name: ServiceName,
  command: string[],
  options: { runtimeDir?: string; env?: NodeJS.ProcessEnv; afterPid?: number; hold?: ServiceHold } = {},
): Promise<{ pid: number; started: boolean }> {
  const paths = servicePaths(name, options.runtimeDir);
  const running = await servicePid(name, options.runtimeDir);
  if (running !== undefined) return { pid: running, started: false };
  await fsp.mkdir(paths.logDir, { recursive: true });
  await fsp.mkdir(paths.runDir, { recursive: true });
  // A log this user may not append to (the service ran as root before) starts over.
  await fsp.access(paths.log, fs.constants.W_OK).catch(() => fsp.rm(paths.log, { force: true }).catch(() => undefined));
  const after = options.afterPid === undefined ? {} : { CLOUDTIK_SERVICE_AFTER_PID: String(options.afterPid) };
  const { hold } = options;
  const held = hold && {
    CLOUDTIK_SERVICE_HOLD_KEY: hold.key,
    CLOUDTIK_SERVICE_HOLD_PORT: String(hold.port),
    CLOUDTIK_SERVICE_HOLD_SECONDS: String(hold.seconds),
    REDISCLI_AUTH: hold.password,
  };
  const pid = startDetached('bash', ['-c', SUPERVISOR_SCRIPT, 'supervise', name, paths.log, ...command], {
    env: { ...(options.env ?? env.processEnv()), ...after, ...held },
  });
  if (pid === undefined) {
    throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `could not start the ${name} service`, {
      hint: 'is bash installed on the node?',
    });
  }
  await writeOwnFile(paths.pidFile, `${[pid, processStart(pid)].filter((v) => v !== undefined).join(' ')}\n`);
  return { pid, started: true };
}

/**
 * Write a file of this user's runtime folder, where one of another user may be left (a controller
 * that ran as root before): such a file is replaced, not written through.
 */
export async function writeOwnFile(file: string, text: string): Promise<void> {
  await fsp.rm(file, { force: true });
  await fsp.writeFile(file, text);
}

/** Every service that has a pid file here (runtime daemons included), node services last in stop order. */
export async function recordedServices(runtimeDir = env.runtimeDir()): Promise<ServiceName[]> {
  const { runDir } = servicePaths('agent', runtimeDir);
  const files = await fsp.readdir(runDir).catch(() => [] as string[]);
  const names = files.filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -'.pid'.length));
  const rank = (n: string): number => SERVICE_ORDER.length - SERVICE_ORDER.indexOf(n);
  return names.sort((a, b) => (SERVICE_ORDER.includes(a) ? rank(a) : 0) - (SERVICE_ORDER.includes(b) ? rank(b) : 0));
}

/**
 * How long a stopped service may take to exit before it is killed. Most exit within a second or
 * two; a Hadoop daemon on a bare host that writes its class data sharing archive as it exits (its
 * first stop, see docker/hadoop/bin/cds-options) took more than 10 s on a busy 2-core machine,
 * with every daemon of the cluster writing its own at the same time.
 */
export const STOP_GRACE_MS = 30_000;

/**
 * A service still busy at the end of its grace gets more time, up to this much: the first stop
 * of every Hadoop daemon of a cluster on one busy 2-core machine writes nine archives at once
 * (measured: 20-27 s from SIGTERM to exit while another cluster ran beside it), and a NodeManager
 * that ran containers writes a large one. One that idles (a NodeManager that retries a
 * ResourceManager that is gone) is killed at the end of its grace.
 */
const STOP_BUSY_MAX_MS = 90_000;

/** Busy: this much CPU in the last second (ticks are 1/100 s), or a thread running or waiting for a core or the disk. */
const BUSY_TICKS_PER_S = 2;

/**
 * Stop a service: SIGTERM to its supervisor, then SIGKILL to the whole group after `graceMs`
 * (by default {@link STOP_GRACE_MS}, none on a node that is discarded right after: nothing it
 * would save survives).
 */
export async function stopService(
  name: ServiceName,
  options: { runtimeDir?: string; graceMs?: number } = {},
): Promise<boolean> {
  const paths = servicePaths(name, options.runtimeDir);
  const pid = await servicePid(name, options.runtimeDir);
  if (pid === undefined) {
    await fsp.rm(paths.pidFile, { force: true });
    return false;
  }
  const stopAt = Date.now();
  await signalGroup(pid, 'SIGTERM');
  const graceMs = options.graceMs ?? (env.nodeDiscarded() ? 0 : STOP_GRACE_MS);
  const exited =
    (await waitUpTo(() => !groupAlive(pid), { what: `the ${name} service to exit`, ms: graceMs, pauseMs: 50 })) ||
    (graceMs > 0 && (await exitsWhileBusy(name, pid)));
  if (!exited && groupAlive(pid)) {
    await signalGroup(pid, 'SIGKILL');
    await noteKilled(name, paths.log, Date.now() - stopAt);
  }
  await fsp.rm(paths.pidFile, { force: true });
  return true;
}

/** Say in the service's log that its stop killed it (the supervisor, killed with it, cannot). */
async function noteKilled(name: ServiceName, log: string, afterMs: number): Promise<void> {
  const msg = `killed: not exited ${(afterMs / 1000).toFixed(1)} s after its stop`;
  const line = JSON.stringify({ level: 40, time: Date.now(), service: name, msg });
  await fsp.appendFile(log, `${line}\n`).catch(() => undefined);
}

/**
 * Wait while the service's process group works (see STOP_BUSY_MAX_MS): whether it exited. Its
 * exit is looked for every 100 ms; whether it still works, once a second (a look reads /proc).
 */
async function exitsWhileBusy(name: ServiceName, pid: number): Promise<boolean> {
  const cpuTicks = (group: ProcStat[]): number => group.reduce((sum, s) => sum + s.cpuTicks, 0);
  let mark = { at: 0, ticks: cpuTicks(await groupStats(pid)) };
  await waitUpTo(
    async ({ waitedMs }) => {
      if (!groupAlive(pid)) return true;
      if (waitedMs - mark.at < 1000) return false;
      const group = await groupStats(pid);
      const ticks = cpuTicks(group);
      const busy =
        ((ticks - mark.ticks) * 1000) / (waitedMs - mark.at) >= BUSY_TICKS_PER_S || (await anyThreadActive(group));
      mark = { at: waitedMs, ticks };
      return !busy;
    },
    { what: `the busy ${name} service to exit`, ms: STOP_BUSY_MAX_MS, pauseMs: 100 },
  );
  return !groupAlive(pid);
}

/**
 * Signal a service's process group (else its leader alone). A group the caller may not signal
 * (the controller runs as root, a node user stops it) is signalled through `sudo -n kill`: one
 * small program, where running the whole CLI again through sudo cost half a second.
 */
export async function signalGroup(pid: number, signal: NodeJS.Signals): Promise<void> {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') continue;
      // procps' kill takes a process group after `--` only with the `-NAME` form of the signal.
      const args = ['-n', 'kill', `-${signal.replace(/^SIG/, '')}`, '--', String(target)];
      const r = await runTool('sudo', args);
      if (r.code === 0 || !pidAlive(pid)) return;
      throw toolError(r, {
        code: 'ERR_CLOUDTIK_NODE_COMMAND',
        what: `sending ${signal} to process ${pid}`,
        command: ['sudo', ...args].join(' '),
        hint: 'it runs as another user: stopping it needs passwordless sudo, or run the command as that user',
      });
    }
  }
}

/** Whether any process of the group (else its leader) is left; one we may not signal is there too. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' || pidAlive(pid);
  }
}

/** The last `lines` lines of a service's log (empty when there is none). */
export function readLogTail(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '';
  }
}
