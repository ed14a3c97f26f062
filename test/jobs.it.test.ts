/**
 * Jobs on the head of a real cluster with HDFS, YARN and Spark: 1 head + 1 worker of 2 CPUs each
 * and at most that one worker, so jobs that ask for 2 CPUs run two at a time and one that asks
 * for 8 can never run. Jobs queue and run in submit order; one is cancelled while queued and a
 * Spark job while it runs (its YARN application is killed); a `docker restart` of the head keeps
 * the queue and the history and marks the job that was running failed, saying why.
 */
import fsp from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/core/jobs/model.js';
import {
  cli,
  cliOk,
  clusterContainers,
  createTestWorkspace,
  docker,
  eventually,
  sweepWorkspace,
  tempDir,
  testClusterYaml,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('jobs');
const names = ['--workspace-name', ws];
let dir: string;
let file: string;
let headIp: string;

async function jobs(): Promise<JobRecord[]> {
  return (JSON.parse((await cliOk(['job', 'list', file, '--json', ...names])).stdout) as { jobs: JobRecord[] }).jobs;
}

async function job(id: string): Promise<JobRecord> {
  return JSON.parse((await cliOk(['job', 'status', file, id, '--json', ...names])).stdout) as JobRecord;
}

/** Submit with --no-wait; the job's id. */
async function submit(jobFile: string, ...rest: string[]): Promise<string> {
  const r = await cliOk(['submit', file, jobFile, '--no-wait', ...names, ...rest]);
  return r.stdout.trim();
}

async function yarnApps(tag: string): Promise<{ id: string; state: string; finalStatus: string }[]> {
  const res = await fetch(`http://${headIp}:8088/ws/v1/cluster/apps?applicationTags=${tag}`);
  const body = (await res.json()) as { apps: { app?: { id: string; state: string; finalStatus: string }[] } | null };
  return body.apps?.app ?? [];
}

beforeAll(async () => {
  dir = await tempDir('jobs');
  await createTestWorkspace(dir, ws);
  file = await writeFile(
    dir,
    'jobs.yaml',
    testClusterYaml({
      cluster: 'jobs',
      workspace: ws,
      runtime: ['hdfs', 'yarn', 'spark'],
      extra: { max_workers: 1 },
      head: { cpu: 2, memory: '2G' },
      worker: { cpu: 2, memory: '2G', min: 1, max: 1 },
    }),
  );
});

afterAll(async () => {
  await cli(['stop', file, '-y', '--hard', ...names]);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('jobs on the head', { timeout: 900_000 }, () => {
  it('starts the cluster and runs a job in the foreground with its output and exit code', async () => {
    const r = await cliOk(['start', file, '-y', ...names]);
    headIp = /head (\d+\.\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] as string;
    expect(headIp).toBeDefined();
    const failing = await writeFile(dir, 'fail.sh', 'echo "to stdout $1"; echo "to stderr" >&2; exit 3\n');
    const f = await cli(['submit', file, failing, 'one', ...names]);
    expect(f.stdout).toContain('to stdout one');
    expect(f.stderr).toContain('to stderr');
    expect(f.code).toBe(3);
  });

  it('runs 5 jobs submitted at once two at a time, all in submit order', async () => {
    // Each job sleeps a little longer than the one queued before it (by its number, which its
    // folder on the head is named after), so the order they end in is theirs.
    const sleeper = await writeFile(
      dir,
      'sleeper.sh',
      'id=$(basename "$(dirname "$0")"); echo "start $id"; sleep "$(awk "BEGIN { print 3 + ${id#job-} / 10 }")"; echo "end $id"\n',
    );
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => submit(sleeper, '--resources', 'cpu=2,memory=512m')));
    for (const id of ids) expect(id).toMatch(/^job-\d+$/);
    for (const id of ids) await cliOk(['job', 'wait', file, id, '--timeout', '300', ...names]);
    const ran = (await jobs()).filter((j) => ids.includes(j.id));
    expect(ran.map((j) => j.state)).toEqual(Array(5).fill('succeeded'));
    // In submit order: each starts and ends no sooner than the one submitted before it.
    for (let i = 1; i < ran.length; i++) {
      expect(ran[i]?.startedAt).toBeGreaterThanOrEqual(ran[i - 1]?.startedAt as number);
      expect(ran[i]?.endedAt).toBeGreaterThanOrEqual(ran[i - 1]?.endedAt as number);
    }
    // Two at a time: never more than two ran together, and two did.
    const together = ran.map(
      (a) =>
        ran.filter(
          (b) => (b.startedAt as number) <= (a.startedAt as number) && (b.endedAt as number) > (a.startedAt as number),
        ).length,
    );
    expect(Math.max(...together)).toBe(2);
    const third = ran[2] as JobRecord;
    expect(third.startedAt).toBeGreaterThanOrEqual(Math.min(ran[0]?.endedAt as number, ran[1]?.endedAt as number));
    const logs = await cliOk(['job', 'logs', file, third.id, ...names]);
    expect(logs.stdout).toBe(`start ${third.id}\nend ${third.id}\n`);
    // Its output was copied into HDFS too.
    const inHdfs = await eventually('the output in HDFS', 60_000, async () => (await job(third.id)).hdfsDir);
    expect(inHdfs).toBe(`/cloudtik/jobs/${third.id}`);
    const cat = await cliOk(['exec', file, `hdfs dfs -cat ${inHdfs}/stdout.log`, ...names]);
    expect(cat.stdout).toContain(`start ${third.id}\nend ${third.id}`);
  });

  it('refuses at once a job that asks for more than the cluster can ever have, with the numbers', async () => {
    const before = (await jobs()).length;
    const sleeper = await writeFile(dir, 'big.sh', 'echo never\n');
    const r = await cli(['submit', file, sleeper, '--no-wait', '--resources', 'cpu=8', ...names]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('asks for cpu=8, memory=256M, more than the cluster can ever have: cpu=4, memory=4G');
    expect(r.stderr).toContain('1 × worker.default cpu=2, memory=2G');
    expect((await jobs()).length).toBe(before);
    const unknown = await cli(['job', 'status', file, 'job-999', ...names]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('there is no job job-999');
  });

  it('cancels a job while queued and a Spark job while it runs, with its YARN application', async () => {
    const spark = await writeFile(
      dir,
      'sleeper.py',
      [
        'import time',
        'from pyspark.sql import SparkSession',
        'spark = SparkSession.builder.appName("sleeper").getOrCreate()',
        'print("SPARK UP", flush=True)',
        'time.sleep(600)',
        '',
      ].join('\n'),
    );
    const sparkId = await submit(spark, '--resources', 'cpu=4,memory=1g');
    const queuedId = await submit(await writeFile(dir, 'after.sh', 'echo after\n'));
    const tag = `cloudtik-${sparkId}`;
    const app = await eventually('the Spark job running in YARN', 180_000, async () => {
      const live = (await yarnApps(tag)).find((a) => a.state === 'RUNNING');
      return live;
    });
    // getOrCreate returns only once executors register (or YARN's wait for them runs out).
    await eventually('the Spark job past getOrCreate', 120_000, async () => {
      const out = (await cli(['job', 'logs', file, sparkId, ...names])).stdout;
      return out.includes('SPARK UP') ? true : undefined;
    });
    // The runner dies and its supervisor starts it again: the new one adopts the running job.
    const runner = 'read -r sup _ < ~/runtime/cloudtik/run/jobs.pid && pgrep -P "$sup"';
    const oldPid = (await cliOk(['exec', file, runner, ...names])).stdout.trim();
    await cliOk(['exec', file, `kill ${oldPid}`, ...names]);
    await eventually('a new job runner', 30_000, async () => {
      const pid = (await cli(['exec', file, runner, ...names])).stdout.trim();
      return pid !== '' && pid !== oldPid ? pid : undefined;
    });
    expect((await job(sparkId)).state).toBe('running');
    expect((await job(queuedId)).state).toBe('queued');
    const q = await cliOk(['job', 'cancel', file, queuedId, ...names]);
    expect(q.stdout).toContain(`job ${queuedId} cancelled (cancelled while queued)`);
    const again = await cli(['job', 'cancel', file, queuedId, ...names]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already ended');
    const { incoming } = await job(queuedId);
    expect(incoming).toMatch(/^user\/jobs\/\.incoming-/);
    await eventually("the cancelled job's upload folder removed", 15_000, async () => {
      const r = await cli(['exec', file, `test -e ~/${incoming} && echo there || echo gone`, ...names]);
      return r.stdout.trim() === 'gone' ? true : undefined;
    });
    const c = JSON.parse((await cliOk(['job', 'cancel', file, sparkId, '--json', ...names])).stdout) as JobRecord;
    expect(c).toMatchObject({ state: 'cancelled', reason: 'cancelled while it ran' });
    const ended = (await yarnApps(tag)).find((a) => a.id === app.id);
    expect(ended).toMatchObject({ state: 'KILLED' });
    expect((await cliOk(['job', 'logs', file, sparkId, ...names])).stdout).toContain('SPARK UP');
    expect((await job(queuedId)).startedAt).toBeUndefined();
  });

  it('keeps the queue and the history through a docker restart of the head, failing the job that ran', async () => {
    const long = await writeFile(dir, 'long.sh', 'echo "long started"; sleep 600\n');
    const longId = await submit(long, '--resources', 'cpu=4');
    const nextId = await submit(await writeFile(dir, 'next.sh', 'echo "next ran"\n'));
    await eventually('the long job running', 60_000, async () =>
      (await job(longId)).state === 'running' ? true : undefined,
    );
    const before = await jobs();
    const head = (await clusterContainers(ws, 'jobs')).find((c) => c.Labels['cloudtik-node-kind'] === 'head');
    await docker.getContainer(head?.Id as string).restart();
    const failed = await eventually('the long job marked failed', 180_000, async () => {
      const j = await job(longId);
      return j.state === 'failed' ? j : undefined;
    });
    expect(failed.reason).toBe('the head restarted while it ran');
    // The queued job ran after the restart; the history is whole.
    expect(await cliOk(['job', 'wait', file, nextId, '--timeout', '120', ...names])).toBeDefined();
    expect((await cliOk(['job', 'logs', file, nextId, ...names])).stdout).toBe('next ran\n');
    const after = await jobs();
    expect(after.map((j) => j.id)).toEqual(before.map((j) => j.id));
    for (const j of before.filter((b) => b.state !== 'running' && b.state !== 'queued')) {
      // An ended job's output is copied to HDFS after it ended: one whose copy was still on its
      // way at the first look may have its hdfsDir now; nothing else of it changes.
      const now = after.find((a) => a.id === j.id);
      const { hdfsDir, ...rest } = now ?? ({} as JobRecord);
      expect(j.hdfsDir === undefined ? rest : now).toEqual(j);
      if (j.hdfsDir === undefined && hdfsDir !== undefined) expect(hdfsDir).toBe(`/cloudtik/jobs/${j.id}`);
    }
  });
});
