/**
 * Jobs on the head: what a job is, and the decisions about jobs, as pure functions (no I/O, the
 * time is an input): resource requests, whether a job can ever fit the cluster, which queued jobs
 * start next, and how a job's state moves. The head's job runner and the user-side commands act on
 * these decisions; the tests drive them with tables.
 */
import type { ClusterConfig } from '../../config/types.js';
import { formatMemoryWhole, parseMemory } from '../units.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** How a job runs: Spark (on YARN), plain Python, a shell script; other runtimes plug in here. */
export type JobRuntime = 'spark' | 'flink' | 'python' | 'shell' | (string & {});

/** CPUs and memory (MB) a job asks for, or a node offers. */
export interface Resources {
  cpu: number;
  memoryMb: number;
}

export interface JobRecord {
  id: string;
  /** Submit order. */
  seq: number;
  /** The job file's name, and its arguments. */
  file: string;
  args: string[];
  runtime: JobRuntime;
  /** The local user name of who submitted it. */
  user: string;
  /** The shell text the runner runs on the head (from the cluster's home folder). */
  command: string;
  /** The job's folder on the head, relative to the home folder: its file, output and exit code. */
  dir: string;
  /** Where its file was uploaded while it was being queued; the runner moves it to `dir` at the start. */
  incoming?: string;
  resources: Resources;
  state: JobState;
  submittedAt: number;
  startedAt?: number;
  endedAt?: number;
  exitCode?: number;
  /** Why it ended as it did (or why it waits). */
  reason?: string;
  /** The running job's process group leader on the head, and its start time (see processStart). */
  pid?: number;
  pidStart?: string;
  /** The head's start (its PID 1 start time) the job was started under. */
  headStart?: string;
  cancelRequested?: boolean;
  /** The YARN application tag its Spark applications carry. */
  yarnTag?: string;
  /** Spark's own log of the job on the head (home-relative). */
  sparkLog?: string;
  /** Copy the output into HDFS when the job ends. */
  hdfs?: boolean;
  /** Where the output was copied in HDFS. */
  hdfsDir?: string;
}

export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];
export const isTerminal = (state: JobState): boolean => TERMINAL_STATES.includes(state);

/** What a job that ran tells: its exit code, as the job's command ends with it. */
export function jobExitCode(job: JobRecord): number {
  if (job.state === 'succeeded') return 0;
  if (job.state === 'cancelled') return 130;
  return job.exitCode !== undefined && job.exitCode !== 0 ? job.exitCode : 1;
}

// ---------------------------------------------------------------- resources

/** MB in a memory size (`512m`, `2g`; a plain number is MB, as Spark's memory options read it), or undefined. */
export function memoryMb(value: string): number | undefined {
  try {
    const bytes = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 2 ** 20 : parseMemory(value);
    return Math.ceil(bytes / 2 ** 20);
  } catch {
    return undefined;
  }
}

/** `cpu=2,memory=2g` -> {cpu: 2, memoryMb: 2048}; a missing key comes from `defaults`. */
export function parseResources(text: string, defaults: Resources): Resources {
  const out = { ...defaults };
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const m = /^([a-z]+)\s*=\s*(\S+)$/i.exec(part);
    if (!m) throw new Error(`expected name=value, got ${JSON.stringify(part)}`);
    const [, key = '', value = ''] = m;
    if (/^cpus?$/i.test(key)) {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`cpu must be a positive number, got ${JSON.stringify(value)}`);
      out.cpu = n;
    } else if (/^mem(ory)?$/i.test(key)) {
      const mb = memoryMb(value);
      if (mb === undefined) throw new Error(`memory must be like 512m or 2g, got ${JSON.stringify(value)}`);
      if (!(mb > 0)) throw new Error(`memory must be more than 0, got ${JSON.stringify(value)}`);
      out.memoryMb = mb;
    } else {
      throw new Error(`unknown resource ${JSON.stringify(key)} (use cpu and memory)`);
    }
  }
  return out;
}

export function formatResources(r: Resources): string {
  return `cpu=${Number(r.cpu.toFixed(2))}, memory=${formatMemoryWhole(r.memoryMb * 2 ** 20)}`;
}

const add = (a: Resources, b: Resources, times = 1): Resources => ({
  cpu: a.cpu + b.cpu * times,
  memoryMb: a.memoryMb + b.memoryMb * times,
});
const fits = (ask: Resources, free: Resources): boolean => ask.cpu <= free.cpu + 1e-9 && ask.memoryMb <= free.memoryMb;

/** What the cluster's config says it may have: the head, and each worker type with its cap. */
export interface ClusterLimits {
  headType: string;
  head: Resources;
  workerTypes: Record<string, Resources & { max: number }>;
  /** Global cap on workers. */
  maxWorkers: number;
}

function resourcesOf(r: Record<string, number> | undefined): Resources {
  return { cpu: r?.CPU ?? 0, memoryMb: Math.floor((r?.memory ?? 0) / 2 ** 20) };
}

export function clusterLimits(config: ClusterConfig): ClusterLimits {
  const workerTypes: ClusterLimits['workerTypes'] = {};
  for (const [name, t] of Object.entries(config.available_node_types)) {
    if (name !== config.head_node_type) workerTypes[name] = { ...resourcesOf(t.resources), max: t.max_workers };
  }
  return {
    headType: config.head_node_type,
    head: resourcesOf(config.available_node_types[config.head_node_type]?.resources),
    workerTypes,
    maxWorkers: config.max_workers,
  };
}

/** The most of one resource the cluster can have: the head plus the largest workers up to the caps. */
function mostOf(limits: ClusterLimits, key: keyof Resources): number {
  const types = Object.values(limits.workerTypes).sort((a, b) => b[key] - a[key]);
  let left = limits.maxWorkers;
  let total = limits.head[key];
  for (const t of types) {
    const n = Math.min(t.max, left);
    total += n * t[key];
    left -= n;
  }
  return total;
}

export function clusterMaximum(limits: ClusterLimits): Resources {
  return { cpu: mostOf(limits, 'cpu'), memoryMb: mostOf(limits, 'memoryMb') };
}

/** Why a job asking for `ask` can never run on the cluster (with the numbers), or undefined when it can. */
export function neverFits(ask: Resources, limits: ClusterLimits): string | undefined {
  const most = clusterMaximum(limits);
  if (fits(ask, most)) return undefined;
  const parts = [`the head ${formatResources(limits.head)}`];
  for (const [name, t] of Object.entries(limits.workerTypes)) {
    parts.push(`${Math.min(t.max, limits.maxWorkers)} × ${name} ${formatResources(t)}`);
  }
  return `the job asks for ${formatResources(ask)}, more than the cluster can ever have: ${formatResources(most)} (${parts.join(' + ')})`;
}

/** A node as the runner counts it: its type and what its agent reports, and when it last did. */
export interface LiveNode {
  nodeType: string;
  cpus: number;
  memoryTotal: number;
  time: number;
}

/**
 * What the cluster has now: every node whose agent reported within `timeoutMs`, with its type's
 * configured resources (what the fits-ever check counts), else what the agent reports.
 */
export function capacityNow(
  nodes: LiveNode[],
  limits: ClusterLimits | undefined,
  now: number,
  timeoutMs: number,
): Resources {
  let total: Resources = { cpu: 0, memoryMb: 0 };
  for (const n of nodes) {
    if (now - n.time > timeoutMs) continue;
    const typed = n.nodeType === limits?.headType ? limits.head : limits?.workerTypes[n.nodeType];
    total = add(total, typed ?? { cpu: n.cpus, memoryMb: Math.floor(n.memoryTotal / 2 ** 20) });
  }
  return total;
}

/**
 * The queued jobs to start now, in submit order: each while what the running jobs leave free holds
 * it. The first that does not fit stops the line, so a big job is not overtaken for ever by
 * small ones and jobs start in the order they were submitted.
 */
export function jobsToStart(jobs: readonly JobRecord[], capacity: Resources): JobRecord[] {
  let free = capacity;
  for (const j of jobs) if (j.state === 'running') free = add(free, j.resources, -1);
  const queued = jobs.filter((j) => j.state === 'queued').sort((a, b) => a.seq - b.seq);
  const start: JobRecord[] = [];
  for (const j of queued) {
    if (!fits(j.resources, free)) break;
    start.push(j);
    free = add(free, j.resources, -1);
  }
  return start;
}

// ---------------------------------------------------------------- states

export type JobEvent =
  | { type: 'start'; at: number; pid: number; pidStart?: string; headStart: string }
  | { type: 'exit'; at: number; code: number }
  | { type: 'cancel'; at: number }
  | { type: 'lost'; at: number; reason: string };

/** The job after `event`, or why the event does not apply to it. */
export function transition(job: JobRecord, event: JobEvent): JobRecord | { error: string } {
  const wrong = (): { error: string } => ({ error: `job ${job.id} is ${job.state}: cannot ${event.type} it` });
  switch (event.type) {
    case 'start':
      if (job.state !== 'queued') return wrong();
      return {
        ...job,
        state: 'running',
        startedAt: event.at,
        pid: event.pid,
        ...(event.pidStart !== undefined ? { pidStart: event.pidStart } : {}),
        headStart: event.headStart,
        reason: undefined,
      };
    case 'exit':
      if (job.state !== 'running') return wrong();
      return ended(job, event.at, event.code);
    case 'cancel':
      if (job.state === 'queued')
        return { ...job, state: 'cancelled', endedAt: event.at, reason: 'cancelled while queued' };
      if (job.state === 'running') return { ...job, cancelRequested: true };
      return { error: `job ${job.id} already ended: it ${job.state === 'cancelled' ? 'was' : 'has'} ${job.state}` };
    case 'lost':
      if (job.state !== 'running') return wrong();
      return { ...job, state: 'failed', endedAt: event.at, reason: event.reason };
  }
}

function ended(job: JobRecord, at: number, code: number): JobRecord {
  if (job.cancelRequested) {
    return { ...job, state: 'cancelled', endedAt: at, exitCode: code, reason: 'cancelled while it ran' };
  }
  if (code === 0) return { ...job, state: 'succeeded', endedAt: at, exitCode: 0, reason: undefined };
  return { ...job, state: 'failed', endedAt: at, exitCode: code, reason: `exited with code ${code}` };
}

/**
 * What became of a running job whose process is gone: `exitCode` is what it left (undefined: it
 * left none), `headStart` the head's start now. A job that left no exit code and was started
 * under an earlier start of the head died with it.
 */
export function lostOrExited(job: JobRecord, exitCode: number | undefined, headStart: string, at: number): JobEvent {
  if (exitCode !== undefined) return { type: 'exit', at, code: exitCode };
  if (job.headStart !== undefined && job.headStart !== headStart) {
    return { type: 'lost', at, reason: 'the head restarted while it ran' };
  }
  return { type: 'lost', at, reason: 'its process ended without leaving an exit code (killed?)' };
}

/** The name start of the folders (in the jobs folder) a submit uploads a job's file into, before it is queued. */
export const INCOMING_PREFIX = '.incoming-';

/** How long an upload folder no job refers to may stay (a submit may still be uploading into it). */
export const INCOMING_GRACE_MS = 10 * 60_000;

/**
 * Which upload folders (`.incoming-*` names, with their ages) the runner removes: those of jobs
 * that ended without starting (cancelled while queued) at once, and those no job refers to (a
 * submit that failed after its upload) once they are older than {@link INCOMING_GRACE_MS}. A
 * queued job's folder stays, whatever its age.
 */
export function incomingToRemove(
  folders: readonly { name: string; ageMs: number }[],
  jobs: readonly JobRecord[],
): string[] {
  const owner = new Map(jobs.flatMap((j) => (j.incoming ? [[j.incoming.split('/').pop() ?? '', j] as const] : [])));
  return folders
    .filter((f) => {
      const job = owner.get(f.name);
      if (job) return job.state !== 'queued';
      return f.ageMs > INCOMING_GRACE_MS;
    })
    .map((f) => f.name);
}
