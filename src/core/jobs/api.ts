/**
 * Jobs from the user's side: submit (into the head's queue), list, read or follow the output,
 * cancel, wait. `cloudtik submit` and `cloudtik job ...` call these, and so can a dashboard: each
 * takes the loaded cluster config and returns plain data (the job records).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { env } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import type { NodeInfo } from '../../providers/provider.js';
import { sparkJobRequest } from '../../runtimes/spark/jobs.js';
import { openCluster, type ClusterContext } from '../cluster/context.js';
import { headStoreAddress } from '../cluster/head-state.js';
import { requireHead } from '../cluster/nodes.js';
import { JOBS_DIR, jobRuntime, jobShellFor } from '../cluster/submit.js';
import { quote } from '../command/shell.js';
import { waitFor } from '../deadline.js';
import { CloudtikError } from '../errors.js';
import {
  clusterLimits,
  INCOMING_PREFIX,
  isTerminal,
  neverFits,
  parseResources,
  type JobRecord,
  type JobRuntime,
  type Resources,
} from './model.js';
import { JobStore } from './store.js';

/** What a job that is not Spark asks for unless told: one core and a little memory. */
export const PLAIN_JOB_REQUEST: Resources = { cpu: 1, memoryMb: 256 };

/** A wait with no end of its own (a job may run for hours); Ctrl-C ends it. */
const NO_DEADLINE_MS = 365 * 24 * 3600_000;

interface JobsSession {
  ctx: ClusterContext;
  head: NodeInfo;
  store: JobStore;
}

async function withJobs<T>(config: ClusterConfig, work: (s: JobsSession) => Promise<T>): Promise<T> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const head = requireHead(config, await ctx.provider.listNodes());
  const store = await JobStore.open({ ...(await headStoreAddress(ctx, head)), connectTimeoutMs: 3000 });
  try {
    return await work({ ctx, head, store });
  } finally {
    await store.close();
  }
}

async function requireJob(store: JobStore, id: string): Promise<JobRecord> {
  const job = await store.get(id);
  if (job) return job;
  const ids = (await store.list()).slice(-5).map((j) => j.id);
  throw new CloudtikError('ERR_CLOUDTIK_USAGE', `there is no job ${id} on this cluster`, {
    hint:
      ids.length > 0 ? `recent jobs: ${ids.join(', ')} (cloudtik job list shows them all)` : 'no job was submitted yet',
  });
}

export interface JobSubmitOptions {
  config: ClusterConfig;
  file: string;
  args: string[];
  /** `cpu=2,memory=2g`; what is not given comes from the runtime's sizing. */
  resources?: string;
  runtimeOptions?: string;
  /** The engine of a .py, .jar or .scala job (`--runtime spark|flink`); by default the cluster's. */
  runtime?: string;
  jobLog?: boolean;
  verbose?: boolean;
}

/** What a job asks for: `--resources` over the runtime's default (Spark: its driver and executors). */
export function jobRequest(config: ClusterConfig, runtime: JobRuntime, resources = '', runtimeOptions = ''): Resources {
  const spark = (config.runtime as Record<string, unknown>).spark;
  const base =
    runtime === 'spark' ? sparkJobRequest((spark ?? {}) as Record<string, unknown>, runtimeOptions) : PLAIN_JOB_REQUEST;
  try {
    return parseResources(resources, base);
  } catch (err) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `--resources: ${(err as Error).message}`, {
      hint: 'for example --resources cpu=2,memory=2g',
    });
  }
}

/**
 * Put a job in the head's queue: checked first (its file, how it runs, whether it can ever fit
 * the cluster), then its file uploaded into its own folder on the head. Resolves with its record.
 */
export async function submitJob(o: JobSubmitOptions): Promise<JobRecord> {
  if (!fs.existsSync(o.file) || !fs.statSync(o.file).isFile()) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `job file ${o.file} does not exist`);
  }
  const name = path.basename(o.file);
  const runtime = jobRuntime(o.config, name, o.runtime);
  const resources = jobRequest(o.config, runtime, o.resources, o.runtimeOptions);
  const limits = clusterLimits(o.config);
  const never = neverFits(resources, limits);
  if (never) {
    throw new CloudtikError('ERR_CLOUDTIK_CAPACITY', `refused: ${never}`, {
      hint: 'ask for less with --resources, or allow more or bigger workers (max_workers, the worker type)',
    });
  }
  return withJobs(o.config, async ({ ctx, head, store }) => {
    // The job's number is taken when it is queued (after the upload, into a folder of its own
    // until the runner starts it): `token` stands for it until then.
    const token = `N${crypto.randomBytes(8).toString('hex')}`;
    const id = `job-${token}`;
    // Not named by the token, which the number replaces everywhere in the record.
    const incoming = `${JOBS_DIR}/${INCOMING_PREFIX}${crypto.randomBytes(8).toString('hex')}`;
    // The tag lets a cancel find the job's YARN applications (Spark's and Flink's way to set it).
    const yarnTag = runtime === 'spark' || runtime === 'flink' ? `cloudtik-${id}` : undefined;
    const tagOption = !yarnTag
      ? ''
      : runtime === 'spark'
        ? `--conf spark.yarn.tags=${yarnTag}`
        : `-Dyarn.tags=${yarnTag}`;
    const { command, log } = jobShellFor(o.config, {
      remoteFile: `~/${JOBS_DIR}/${id}/${name}`,
      args: o.args,
      jobLog: o.jobLog,
      verbose: o.verbose,
      runtimeOptions: [o.runtimeOptions ?? '', tagOption].join(' ').trim(),
      ...(o.runtime !== undefined ? { runtime: o.runtime } : {}),
      ...(head.ip ? { headAddress: head.ip } : {}),
    });
    // The upload makes the folder.
    await ctx.provider.commandRunner(head).upload(o.file, `~/${incoming}/${name}`);
    const job: JobRecord = {
      seq: 0,
      id,
      file: name,
      args: o.args,
      runtime,
      user: env.userName() ?? os.userInfo().username,
      command,
      dir: `${JOBS_DIR}/${id}`,
      incoming,
      resources,
      state: 'queued',
      submittedAt: Date.now(),
      ...(yarnTag ? { yarnTag } : {}),
      ...(log ? { sparkLog: log } : {}),
      hdfs: o.config.runtime.types.includes('hdfs'),
    };
    await store.setLimits(limits);
    const queued = await store.enqueue(job, token);
    await store.wake();
    return queued;
  });
}

export async function listJobs(config: ClusterConfig): Promise<JobRecord[]> {
  return withJobs(config, ({ store }) => store.list());
}

export async function getJob(config: ClusterConfig, id: string): Promise<JobRecord> {
  return withJobs(config, ({ store }) => requireJob(store, id));
}

/** Poll the job until `done` says so (every 300 ms; the head is near). */
function watchJob(
  store: JobStore,
  id: string,
  what: string,
  done: (j: JobRecord) => boolean,
  o: { signal?: AbortSignal; timeoutMs?: number },
): Promise<JobRecord> {
  return waitFor(
    async () => {
      const j = await requireJob(store, id);
      return done(j) ? j : undefined;
    },
    {
      what: `job ${id} ${what}`,
      ms: o.timeoutMs ?? NO_DEADLINE_MS,
      pauseMs: 300,
      signal: o.signal,
      hint: `cloudtik job status <cluster.yaml> ${id}`,
    },
  );
}

/** Wait until the job ended; resolves with its record. */
export async function waitJob(
  config: ClusterConfig,
  id: string,
  o: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<JobRecord> {
  return withJobs(config, ({ store }) => watchJob(store, id, 'to end', (j) => isTerminal(j.state), o));
}

/**
 * Cancel a job: a queued one is cancelled at once; a running one is stopped by the head's runner
 * (its process group, and its YARN applications first), and this waits until it was.
 */
export async function cancelJob(
  config: ClusterConfig,
  id: string,
  o: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<JobRecord> {
  return withJobs(config, async ({ store }) => {
    await requireJob(store, id);
    const r = await store.apply(id, { type: 'cancel', at: Date.now() });
    if ('error' in r) throw new CloudtikError('ERR_CLOUDTIK_USAGE', r.error);
    if (isTerminal(r.state)) return r;
    await store.wake();
    return watchJob(store, id, 'to be cancelled by the head', (j) => isTerminal(j.state), {
      signal: o.signal,
      timeoutMs: o.timeoutMs ?? 60_000,
    });
  });
}

export type OutputSink = (stream: 'stdout' | 'stderr', text: string) => void;

/** The shell text that prints a job's output on the head, or follows it until the job's end is marked. */
function outputScript(job: JobRecord, follow: boolean): string {
  const d = `~/${quote(job.dir)}`;
  if (!follow) return `cat ${d}/stdout.log 2>/dev/null; cat ${d}/stderr.log >&2 2>/dev/null; true`;
  // tail ends after the waiter, with a last read of each file. The waiter also ends when the
  // reader went away (Ctrl-C, a closed page): its end of our stdin closes, and nothing is left
  // following the files on the head until the job ends. (A background list's stdin is /dev/null
  // unless given: fd 3 hands it ours.)
  return [
    `d=${d}`,
    'exec 3<&0',
    '( while [ ! -e "$d/exit" ]; do sleep 0.2; done ) & w=$!',
    '( cat <&3 >/dev/null; kill $w ) >/dev/null 2>&1 &',
    'tail -c +1 -F --pid=$w "$d/stdout.log" 2>/dev/null & o=$!',
    'tail -c +1 -F --pid=$w "$d/stderr.log" >&2 2>/dev/null',
    'wait $o',
  ].join('\n');
}

/**
 * Print a job's output as kept on the head (stdout and stderr apart). With `follow`, wait for a
 * queued job to start and stream its output until it ends. Resolves with the job's record (when
 * following: as it ended).
 */
export async function jobOutput(
  config: ClusterConfig,
  id: string,
  o: { follow?: boolean; onOutput: OutputSink; signal?: AbortSignal },
): Promise<JobRecord> {
  return withJobs(config, async ({ ctx, head, store }) => {
    let job = await requireJob(store, id);
    if (o.follow) job = await watchJob(store, id, 'to start', (j) => j.state !== 'queued', { signal: o.signal });
    if (job.startedAt === undefined) return job;
    const follow = o.follow === true && !isTerminal(job.state);
    // Held open while following: the script stops following when it closes (see outputScript).
    const stdin = follow ? new PassThrough() : undefined;
    try {
      await ctx.provider.commandRunner(head).run({
        command: outputScript(job, follow),
        signal: o.signal,
        ...(stdin ? { stdin } : {}),
        onStdout: (t) => o.onOutput('stdout', t),
        onStderr: (t) => o.onOutput('stderr', t),
      });
    } finally {
      stdin?.end();
    }
    // The end is marked in the job's folder just before its record says so.
    return follow
      ? watchJob(store, id, 'to end', (j) => isTerminal(j.state), { signal: o.signal, timeoutMs: 30_000 })
      : job;
  });
}
