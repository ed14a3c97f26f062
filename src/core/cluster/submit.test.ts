import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../config/types.js';
import { JOB_LOG4J_FILE } from '../../runtimes/spark/index.js';
import { quote } from '../command/shell.js';
import { isSparkJob, jobCommand, jobShell } from './submit.js';

const cluster = (types: string[]): ClusterConfig => ({ runtime: { types } }) as unknown as ClusterConfig;

/** Runs `fn` with a fresh folder standing in for the head's home, removed afterwards. */
async function inTempHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'submit-'));
  try {
    await fn(home);
  } finally {
    await fsp.rm(home, { recursive: true, force: true });
  }
}

describe('jobCommand', () => {
  it.each([
    {
      types: ['spark'],
      file: '~/user/jobs/wc.py',
      args: ['hdfs:///in', 'a b'],
      want: "spark-submit ~/user/jobs/wc.py hdfs:///in 'a b'",
    },
    { types: [], file: '~/user/jobs/t.py', args: [], want: 'python3 ~/user/jobs/t.py' },
    { types: [], file: '~/user/jobs/t.sh', args: ['x'], want: 'bash ~/user/jobs/t.sh x' },
    { types: ['spark'], file: '~/user/jobs/app.jar', args: [], want: 'spark-submit ~/user/jobs/app.jar' },
    {
      types: ['hdfs', 'yarn', 'flink'],
      file: '~/user/jobs/wc.jar',
      args: ['--input', 'hdfs:///in'],
      want: 'flink run -t yarn-per-job ~/user/jobs/wc.jar --input hdfs:///in',
    },
    {
      types: ['hdfs', 'yarn', 'flink'],
      file: '~/user/jobs/wc.py',
      args: ['x'],
      want: 'flink run -t yarn-per-job -py ~/user/jobs/wc.py x',
    },
    // Spark stays the default where both run; --runtime picks Flink.
    { types: ['yarn', 'spark', 'flink'], file: '~/user/jobs/wc.py', args: [], want: 'spark-submit ~/user/jobs/wc.py' },
    {
      types: ['yarn', 'spark', 'flink'],
      file: '~/user/jobs/wc.jar',
      args: [],
      runtime: 'flink',
      want: 'flink run -t yarn-per-job -p 2 ~/user/jobs/wc.jar',
      options: '-p 2',
    },
    // A target of the user's own (a running session) replaces the per-job default.
    {
      types: ['hdfs', 'yarn', 'flink'],
      file: '~/user/jobs/wc.jar',
      args: [],
      options: '-t yarn-session',
      want: 'flink run -t yarn-session ~/user/jobs/wc.jar',
    },
  ])('$file with runtimes $types', ({ types, file, args, want, runtime, options }) => {
    expect(jobCommand(cluster(types), file, args, options, runtime)).toBe(want);
  });

  it.each([
    [['spark'], '~/user/jobs/a.jar', 'flink', /--runtime flink: flink is not in the cluster's runtime.types/],
    [['spark', 'flink'], '~/user/jobs/a.jar', 'trino', /--runtime trino: jobs run on spark or flink/],
    [['flink'], '~/user/jobs/a.scala', undefined, /Flink runs .jar and .py jobs/],
    [['hdfs'], '~/user/jobs/wc.py', 'spark', /--runtime spark: spark is not in the cluster's runtime.types/],
    [['hdfs', 'spark'], '~/user/jobs/run.sh', 'spark', /--runtime spark does not run .sh jobs/],
    [['hdfs', 'spark'], '~/user/jobs/wc.py', 'hdfs', /--runtime hdfs: jobs run on spark or flink/],
  ])('refuses %s %s on %s', (types, file, runtime, error) => {
    expect(() => jobCommand(cluster(types), file, [], '', runtime)).toThrow(error);
  });

  it('keeps Spark job logging to Spark jobs', () => {
    expect(isSparkJob(cluster(['spark', 'flink']), 'a.py')).toBe(true);
    expect(isSparkJob(cluster(['spark', 'flink']), 'a.py', 'flink')).toBe(false);
    expect(isSparkJob(cluster(['flink']), 'a.jar')).toBe(false);
  });

  it('--runtime spark runs .py, .jar and .scala jobs through Spark', () => {
    expect(jobCommand(cluster(['hdfs', 'spark']), '~/user/jobs/wc.py', [], '', 'spark')).toBe(
      'spark-submit ~/user/jobs/wc.py',
    );
  });

  it('puts runtime options before the job', () => {
    expect(jobCommand(cluster(['spark']), '~/user/jobs/wc.py', ['in'], '--conf a=b')).toBe(
      'spark-submit --conf a=b ~/user/jobs/wc.py in',
    );
  });

  it('refuses files it cannot run, and Spark files without Spark', () => {
    expect(() => jobCommand(cluster([]), '~/user/jobs/a.txt', [])).toThrow(/cannot tell how to run a.txt/);
    expect(() => jobCommand(cluster([]), '~/user/jobs/a.jar', [])).toThrow(/needs the spark or flink runtime/);
  });
});

/** Run a job shell in real bash, with HOME in a temp folder; a fake driver writes Spark's log lines. */
async function runShell(shell: string, home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  // A shell that waits for ever is ended (SIGTERM, code -1) rather than left to hang the test run.
  const env = { ...process.env, HOME: home, SPARK_CONF_DIR: '/conf' };
  const child = spawn('bash', ['-c', shell], { env, timeout: 4_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  return { code, stdout, stderr };
}

// What Spark's YARN client logs in client mode, in the job log config's layout.
const SPARK_LINES = [
  '24/12/03 10:00:01 INFO Client: Submitting application application_17_0001 to ResourceManager',
  '24/12/03 10:00:02 INFO Client: Application report for application_17_0001 (state: ACCEPTED)',
  '24/12/03 10:00:02 INFO Client: ',
  '\t client token: N/A',
  '\t tracking URL: http://head-host:8088/proxy/application_17_0001/',
  '\t user: ubuntu',
  '24/12/03 10:00:03 INFO Client: Application report for application_17_0001 (state: ACCEPTED)',
  '24/12/03 10:00:04 INFO Client: Application report for application_17_0001 (state: RUNNING)',
  '24/12/03 10:00:04 INFO Client: ',
  '\t tracking URL: http://head-host:8088/proxy/application_17_0001/',
];

// The same with the application master inside the driver (unmanaged): no URL while ACCEPTED, then the driver's UI.
const UNMANAGED_LINES = [
  '24/12/03 10:00:01 INFO Client: Submitting application application_17_0002 to ResourceManager',
  '24/12/03 10:00:02 INFO Client: Application report for application_17_0002 (state: ACCEPTED)',
  '24/12/03 10:00:02 INFO Client: ',
  '\t tracking URL: N/A',
  '24/12/03 10:00:03 INFO Client: Application report for application_17_0002 (state: RUNNING)',
  '24/12/03 10:00:03 INFO Client: ',
  '\t tracking URL: http://10.0.0.2:4040',
];

/** A driver stand-in: Spark's lines into the file SPARK_SUBMIT_OPTS names, the job's output, an exit code. */
function fakeDriver(code: number, sparkLines = SPARK_LINES): string {
  const lines = sparkLines.map((l) => quote(l)).join(' ');
  return [
    `f=$(printf '%s\\n' $SPARK_SUBMIT_OPTS | sed -n 's/^-Dcloudtik.job.log=//p')`,
    `printf '%s\\n' $SPARK_SUBMIT_OPTS | grep -qx -- '-Dlog4j2.configurationFile=/conf/${JOB_LOG4J_FILE}' || exit 99`,
    `for l in ${lines}; do printf '%s\\n' "$l" >>"$f"; sleep 0.05; done`,
    'echo "RESULT 42"; echo "job warning" >&2',
    `exit ${code}`,
  ].join('; ');
}

describe('jobShell', () => {
  it('sends Spark logging to the job log and shows the output and one line per application state', () =>
    inTempHome(async (home) => {
      const plan = { log: 'user/logs/wc-1.log', teeOutput: false, sparkToLog: true, headAddress: '10.0.0.2' };
      const r = await runShell(jobShell(`(${fakeDriver(3)})`, plan), home);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('RESULT 42\n');
      const url = 'http://10.0.0.2:8088/proxy/application_17_0001/';
      // The progress lines come from a follower, so they may come before or after the job's own stderr.
      expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual([
        `application_17_0001: ACCEPTED  ${url}`,
        `application_17_0001: RUNNING  ${url}`,
        'job warning',
      ]);
      const log = await fsp.readFile(path.join(home, plan.log), 'utf8');
      expect(log).toContain('INFO Client: Submitting application application_17_0001');
      expect(log).not.toContain('RESULT 42');
    }));

  it("gives the ResourceManager's proxy page of an application whose master runs in the driver", () =>
    inTempHome(async (home) => {
      const plan = { log: 'user/logs/um-1.log', teeOutput: false, sparkToLog: true, headAddress: '10.0.0.2' };
      const r = await runShell(jobShell(`(${fakeDriver(0, UNMANAGED_LINES)})`, plan), home);
      expect(r.code).toBe(0);
      const url = 'http://10.0.0.2:8088/proxy/application_17_0002/';
      expect(r.stderr.split('\n').filter((l) => l.startsWith('application_'))).toEqual([
        `application_17_0002: ACCEPTED  ${url}`,
        `application_17_0002: RUNNING  ${url}`,
      ]);
    }));

  it('with --job-log keeps the output in the log too, and leaves Spark logging alone with --verbose', () =>
    inTempHome(async (home) => {
      const plan = { log: 'user/logs/t-1.log', teeOutput: true, sparkToLog: false };
      const shell = jobShell('echo "SPARK_SUBMIT_OPTS=${SPARK_SUBMIT_OPTS:-none}"; echo out; exit 4', plan);
      const r = await runShell(shell, home);
      expect(r.code).toBe(4);
      expect(r.stdout).toBe('SPARK_SUBMIT_OPTS=none\nout\n');
      expect(await fsp.readFile(path.join(home, plan.log), 'utf8')).toBe('SPARK_SUBMIT_OPTS=none\nout\n');
    }));

  it('ends when the job output kept in the log ends without a newline (--job-log)', () =>
    inTempHome(async (home) => {
      const plan = { log: 'user/logs/nl-1.log', teeOutput: true, sparkToLog: true };
      const job = `(${fakeDriver(0)}); printf 'last words'`;
      const r = await runShell(jobShell(job, plan), home);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('RESULT 42\njob warning\nlast words');
      expect(r.stderr).toContain('application_17_0001: RUNNING  http://head-host:8088/proxy/application_17_0001/');
    }));

  it('says which jobs go through Spark', () => {
    expect(isSparkJob(cluster(['spark']), '~/user/jobs/a.py')).toBe(true);
    expect(isSparkJob(cluster(['spark']), '~/user/jobs/a.sh')).toBe(false);
    expect(isSparkJob(cluster([]), '~/user/jobs/a.py')).toBe(false);
  });
});
