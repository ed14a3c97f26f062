/**
 * The job runner: a node service on the head, beside the controller, that runs the jobs users
 * submit. Each pass it settles the running jobs (ended, lost, or to cancel), then starts queued
 * jobs in submit order while the cluster's live nodes have room for what they ask (see
 * jobsToStart). It sleeps a second between passes, or less when a submit or a cancel wakes it.
 *
 * A job runs in its own session (`setsid`, so a restart of the runner leaves it running) under a
 * small shell that keeps its stdout and stderr in files of the job's folder and writes its exit
 * code there at the end. The job's record keeps the process group's pid with its start time and
 * the head's start (PID 1's start time): a runner started again adopts the jobs that still run,
 * and a job that left no exit code under an earlier start of the head died with the head.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../config/env.js';
import { buildNodeScript, quote } from '../core/command/shell.js';
import { waitUpTo, withDeadline } from '../core/deadline.js';
import { JOBS_DIR } from '../core/cluster/submit.js';
import {
  capacityNow,
  INCOMING_PREFIX,
  incomingToRemove,
  jobsToStart,
  lostOrExited,
  type JobRecord,
} from '../core/jobs/model.js';
import type { JobStore } from '../core/jobs/store.js';
import { runTool, startDetached } from '../core/process.js';
import type { StateStore } from '../core/state/store.js';
import { killYarnAppsTagged } from '../runtimes/yarn/rest.js';
import type { Logger } from './log.js';
import { processRuns, processStart, signalGroup } from './services.js';
import { groupStats } from './proc.js';

/** The files of a job's folder. */
export const JOB_FILES = { stdout: 'stdout.log', stderr: 'stderr.log', exit: 'exit', script: 'run.sh' } as const;

/** Where a job's output is copied in HDFS (a folder per job). */
export const HDFS_JOBS_DIR = '/cloudtik/jobs';

/** `bash -c WRAPPER cloudtik-job <dir>`: runs the job's script from the home folder. */
const WRAPPER = `d=$1; cd ~ || exit 1
bash "$d/${JOB_FILES.script}" >>"$d/${JOB_FILES.stdout}" 2>>"$d/${JOB_FILES.stderr}" </dev/null
code=$?
echo "$code" >"$d/${JOB_FILES.exit}.tmp" && mv -f "$d/${JOB_FILES.exit}.tmp" "$d/${JOB_FILES.exit}"`;

/** How long a cancelled job's processes get after SIGTERM before SIGKILL. */
const CANCEL_GRACE_MS = 10_000;
const HDFS_COPY_MS = 120_000;

export interface RunnerDeps {
  jobs: JobStore;
  state: Pick<StateStore, 'heartbeats'>;
  log: Logger;
  home: string;
  /** Where the ResourceManager answers (the head's address). */
  headIp: string;
  user: string;
  /** The head's start (PID 1's start time). */
  headStart: string;
  heartbeatTimeoutMs: number;
}

export async function runJobRunner(deps: RunnerDeps, signal: AbortSignal): Promise<void> {
  deps.log.info({ headStart: deps.headStart }, 'job runner starting');
  while (!signal.aborted) {
    try {
      await runnerPass(deps);
    } catch (err) {
      deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'job runner pass failed');
    }
    await deps.jobs.waitForWake(1000, signal);
  }
}

export async function runnerPass(deps: RunnerDeps): Promise<void> {
  for (const job of (await deps.jobs.list()).filter((j) => j.state === 'running')) await settle(deps, job);
  const jobs = await deps.jobs.list();
  await sweepIncoming(deps, jobs);
  if (!jobs.some((j) => j.state === 'queued')) return;
  const capacity = capacityNow(
    await deps.state.heartbeats(),
    await deps.jobs.limits(),
    Date.now(),
    deps.heartbeatTimeoutMs,
  );
  for (const job of jobsToStart(jobs, capacity)) await start(deps, job);
}

const folder = (deps: RunnerDeps, job: JobRecord): string => path.join(deps.home, job.dir);

/** Remove the upload folders of jobs that will never start, and those a failed submit left (see incomingToRemove). */
async function sweepIncoming(deps: RunnerDeps, jobs: readonly JobRecord[]): Promise<void> {
  const root = path.join(deps.home, JOBS_DIR);
  const names = (await fsp.readdir(root).catch(() => [] as string[])).filter((n) => n.startsWith(INCOMING_PREFIX));
  if (names.length === 0) return;
  const now = Date.now();
  const folders = await Promise.all(
    names.map(async (name) => {
      const stat = await fsp.stat(path.join(root, name)).catch(() => undefined);
      return { name, ageMs: stat ? now - stat.mtimeMs : 0 };
    }),
  );
  for (const name of incomingToRemove(folders, jobs)) {
    await fsp.rm(path.join(root, name), { recursive: true, force: true });
    deps.log.info({ folder: `${JOBS_DIR}/${name}` }, 'removed an upload folder no job will start from');
  }
}

/** The exit code a job left, or undefined when it left none (yet). */
async function exitCodeOf(dir: string): Promise<number | undefined> {
  const text = (await fsp.readFile(path.join(dir, JOB_FILES.exit), 'utf8').catch(() => '')).trim();
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** Mark the job's end in its folder (a follower of its output stops there), unless it did. */
async function markEnded(dir: string, code: number | undefined): Promise<void> {
  const file = path.join(dir, JOB_FILES.exit);
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(file, code === undefined ? '' : `${code}\n`, { flag: 'wx' }).catch(() => undefined);
}

/** A running job: ended (its exit code), gone without one, to cancel, or still running. */
async function settle(deps: RunnerDeps, job: JobRecord): Promise<void> {
  const dir = folder(deps, job);
  // Whether it runs, then its exit code: a job that ended between the two looks would otherwise
  // have left no code yet and be gone, and count as lost (its wrapper writes the code, then exits).
  const runs = job.pid !== undefined && job.headStart === deps.headStart && processRuns(job.pid, job.pidStart);
  let code = await exitCodeOf(dir);
  if (code === undefined && runs) {
    if (!job.cancelRequested) return;
    await cancelRunning(deps, job);
    await markEnded(dir, 143);
    code = await exitCodeOf(dir);
  }
  const event = lostOrExited(job, code, deps.headStart, Date.now());
  if (event.type === 'lost') await markEnded(dir, undefined);
  const after = await deps.jobs.apply(job.id, event);
  if ('error' in after) return;
  deps.log.info({ job: job.id, state: after.state, exitCode: after.exitCode, reason: after.reason }, 'job ended');
  if (after.hdfs) void copyToHdfs(deps, after);
}

async function cancelRunning(deps: RunnerDeps, job: JobRecord): Promise<void> {
  if (job.yarnTag) {
    try {
      const killed = await killYarnAppsTagged(deps.headIp, job.yarnTag, deps.user);
      deps.log.info({ job: job.id, applications: killed }, 'killed its YARN applications');
    } catch (err) {
      deps.log.warn({ job: job.id, err: err instanceof Error ? err.message : String(err) }, 'YARN kill failed');
    }
  }
  const pgid = job.pid as number;
  await signalGroup(pgid, 'SIGTERM').catch(() => undefined);
  const gone = await waitUpTo(async () => (await groupStats(pgid)).length === 0, {
    what: `job ${job.id} to exit`,
    ms: CANCEL_GRACE_MS,
    pauseMs: 100,
  });
  if (!gone) await signalGroup(pgid, 'SIGKILL').catch(() => undefined);
}

async function start(deps: RunnerDeps, job: JobRecord): Promise<void> {
  const dir = folder(deps, job);
  if (job.incoming) await fsp.rename(path.join(deps.home, job.incoming), dir).catch(() => undefined);
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, JOB_FILES.script), buildNodeScript({ command: job.command }), { mode: 0o600 });
  const pid = startDetached('bash', ['-c', WRAPPER, 'cloudtik-job', dir], { env: env.jobEnv() });
  if (pid === undefined) {
    deps.log.error({ job: job.id }, 'could not start bash for the job');
    return;
  }
  const started = await deps.jobs.apply(job.id, {
    type: 'start',
    at: Date.now(),
    pid,
    pidStart: processStart(pid),
    headStart: deps.headStart,
  });
  if ('error' in started) {
    // Cancelled between the look and the start: it never ran.
    await signalGroup(pid, 'SIGKILL').catch(() => undefined);
    return;
  }
  deps.log.info({ job: job.id, pid, resources: job.resources }, 'job started');
}

/** Copy an ended job's output into HDFS (where the cluster has it); a failure is logged, the job stays as it ended. */
async function copyToHdfs(deps: RunnerDeps, job: JobRecord): Promise<void> {
  const target = `${HDFS_JOBS_DIR}/${job.id}`;
  const files = [JOB_FILES.stdout, JOB_FILES.stderr].map((f) => quote(path.join(folder(deps, job), f)));
  const command = `touch ${files.join(' ')} && hdfs dfs -mkdir -p ${quote(target)} && hdfs dfs -put -f ${files.join(' ')} ${quote(target)}/`;
  try {
    const r = await withDeadline(
      (signal) => runTool('bash', ['-c', buildNodeScript({ command })], { env: env.jobEnv(), signal }),
      {
        ms: HDFS_COPY_MS,
        expired: () => new Error(`copying the output to HDFS took more than ${HDFS_COPY_MS / 1000} s`),
      },
    );
    if (r.code !== 0) throw new Error(r.tail.join('\n') || `exit code ${r.code}`);
    await deps.jobs.patch(job.id, { hdfsDir: target });
  } catch (err) {
    deps.log.warn(
      { job: job.id, err: err instanceof Error ? err.message : String(err) },
      'copying the output to HDFS failed',
    );
  }
}
