/**
 * The options `exec` and `submit` share with CloudTik (start the cluster first, wait for workers,
 * run detached in screen or tmux, stop the cluster after, forward ports), and the pure decisions
 * behind them. The acting part is in job-steps.ts.
 */
import { CloudtikError } from '../core/errors.js';
import { quote } from '../core/command/shell.js';
import { opt, parseInteger } from './command-spec.js';
import { yesOption } from './common.js';

/** `8088,9870`, repeatable (`-p 8088 -p 9870`): the ports so far plus these. */
export function parsePortList(value: string, previous: unknown): number[] {
  const before = Array.isArray(previous) ? (previous as number[]) : [];
  const ports = value.split(',').map((p) => {
    const n = parseInteger(p.trim());
    if (n < 1 || n > 65535) throw new Error(`${p} is not a port number`);
    return n;
  });
  return [...before, ...ports];
}

export const portForwardOption = {
  ...opt.parsed(
    '-p, --port-forward <ports>',
    'forward these local ports (repeatable or comma-separated) to the same ports on the head while the command runs',
    (v) => parsePortList(v, undefined),
  ),
  parse: parsePortList,
};
export const screenOption = opt.flag('--screen', 'run the command in a detached screen session on the node');
export const tmuxOption = opt.flag('--tmux', 'run the command in a detached tmux session on the node');
export const withEnvOption = opt.flag(
  '--with-env',
  "give the command the cluster's environment (CLOUDTIK_* and runtime.envs; exec and submit always do)",
);

/** The options of exec, submit and run that CloudTik has in common. */
export const JOB_OPTIONS = [
  screenOption,
  tmuxOption,
  opt.flag('--start', 'start the cluster first when its head is not running'),
  opt.flag('--stop', 'stop the cluster when the command has finished (after its screen/tmux session ends)'),
  opt.flag('--force-update', 'with --start, run start even when the head is running, to apply config changes'),
  opt.flag('--wait-for-workers', 'wait until the workers joined before running (--min-workers of them)'),
  opt.int('--min-workers <n>', 'with --wait-for-workers: how many workers (default: the configured min_workers)'),
  opt.int('--wait-timeout <seconds>', 'with --wait-for-workers: give up after this long', 600),
  portForwardOption,
  yesOption,
  opt.string(
    '--job-waiter <name>',
    'how --stop waits for a --screen/--tmux job: screen or tmux (its session ends; the default)',
  ),
  opt.flag('--force', 'run even when the head is not up-to-date (the command is never refused for that here)'),
  withEnvOption,
] as const;

export type Session = 'screen' | 'tmux';

/** The job options as parsed. */
export interface JobOptions {
  screen?: boolean | undefined;
  tmux?: boolean | undefined;
  start?: boolean | undefined;
  stop?: boolean | undefined;
  forceUpdate?: boolean | undefined;
  waitForWorkers?: boolean | undefined;
  minWorkers?: number | undefined;
  waitTimeout: number;
  portForward?: number[] | undefined;
  jobWaiter?: string | undefined;
  force?: boolean | undefined;
  withEnv?: boolean | undefined;
}

/** What to do around the command, and the notes for options that change nothing. */
export interface JobPlan {
  /** 'if-down': start only when the head is not running; 'always': run start to apply the config. */
  start: 'no' | 'if-down' | 'always';
  wait?: { minWorkers: number | undefined; timeoutMs: number };
  session?: Session;
  /** Stop the cluster at the end; with a session, after the session ends. */
  stop: boolean;
  ports: number[];
  notes: string[];
}

/** Decide what `exec`/`submit` do around their command; refuses contradictory options. */
export function planJob(o: JobOptions): JobPlan {
  if (o.screen === true && o.tmux === true) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', '--screen and --tmux cannot be used together');
  }
  const session: Session | undefined = o.screen === true ? 'screen' : o.tmux === true ? 'tmux' : undefined;
  const notes: string[] = [];
  if (o.forceUpdate === true && o.start !== true) notes.push('--force-update does nothing without --start');
  if (o.waitForWorkers !== true && o.minWorkers !== undefined) {
    notes.push('--min-workers does nothing without --wait-for-workers');
  }
  if (o.force === true) notes.push('--force: the command runs whatever state the head is in; nothing is refused here');
  if (o.withEnv === true) notes.push("--with-env: the command gets the cluster's environment with or without it");
  if (o.jobWaiter !== undefined) {
    if (o.jobWaiter !== 'screen' && o.jobWaiter !== 'tmux') {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown job waiter ${o.jobWaiter}`, {
        hint: "the job waiters are screen and tmux: they wait for the job's session to end",
      });
    }
    if (session !== undefined && o.jobWaiter !== session) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `--job-waiter ${o.jobWaiter} cannot wait for a ${session} session`);
    }
    if (session === undefined || o.stop !== true)
      notes.push('--job-waiter only matters with --stop and --screen or --tmux');
  }
  return {
    start: o.start !== true ? 'no' : o.forceUpdate === true ? 'always' : 'if-down',
    ...(o.waitForWorkers === true ? { wait: { minWorkers: o.minWorkers, timeoutMs: o.waitTimeout * 1000 } } : {}),
    ...(session ? { session } : {}),
    stop: o.stop === true,
    ports: o.portForward ?? [],
    notes,
  };
}

/** A session name unique enough for one machine's jobs: `cloudtik-<label>-<time>`. */
export function sessionName(label: string, now = Date.now()): string {
  const safe =
    label
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'job';
  return `cloudtik-${safe}-${now.toString(36)}`;
}

/** The tool's check: a clear message and exit 127 on a node without it. */
function requireTool(tool: Session): string {
  return `command -v ${tool} >/dev/null 2>&1 || { echo "${tool} is not installed on this node (install it in the node image or with setup_commands)" >&2; exit 127; }`;
}

/** The shell line that starts `command` detached in a `kind` session named `name`. */
export function sessionCommand(kind: Session, name: string, command: string): string {
  const inner = quote(`${command}`);
  const start =
    kind === 'screen'
      ? `screen -dmS ${quote(name)} bash -lc ${inner}`
      : `tmux new-session -d -s ${quote(name)} bash -lc ${inner}`;
  return `${requireTool(kind)}; ${start}`;
}

/** A shell line that exits 0 while session `name` lives. */
export function sessionAliveCommand(kind: Session, name: string): string {
  return kind === 'screen'
    ? `screen -S ${quote(name)} -Q select . >/dev/null 2>&1`
    : `tmux has-session -t ${quote(name)} 2>/dev/null`;
}

/** The interactive shell `attach --screen|--tmux [--new]` runs: join the latest session, or a new one. */
export function attachSessionCommand(kind: Session, fresh: boolean): string {
  const open =
    kind === 'screen'
      ? fresh
        ? 'screen -L'
        : 'screen -L -xRR'
      : fresh
        ? 'tmux new-session'
        : 'tmux attach-session 2>/dev/null || tmux new-session';
  return `${requireTool(kind)}; ${open}`;
}
