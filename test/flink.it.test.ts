/**
 * Flink on YARN on a real cluster of 1 head + 2 small workers (hdfs, yarn, flink): Flink's own
 * WordCount example (the jar Maven Central serves, pinned by sha256) in batch mode over a text in
 * HDFS, submitted with `cloudtik submit` as a per-job YARN application; a PyFlink Table API job
 * the same way; the Flink history server on the head lists both (its REST API, /jobs/overview);
 * a failing job fails `submit` with its exit code; and a Flink session started with yarn-session.sh
 * runs a job submitted to it.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nullSink } from '../src/core/events.js';
import { fetchDownloads } from '../src/core/host/downloads.js';
import { FLINK_VERSION } from '../src/core/host/versions.js';
import {
  cli,
  type CliResult,
  createTestWorkspace,
  eventually,
  ROOT,
  sweepWorkspace,
  tempDir,
  testClusterYaml,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('flnk');
const cluster = 'flink';
const names = ['--workspace-name', ws];
let dir: string;
let file: string;
let headIp: string;
let wordCountJar: string;

/** Flink's WordCount example; its program-class is org.apache.flink.streaming.examples.wordcount.WordCount. */
const EXAMPLE = {
  name: `flink-examples-streaming-${FLINK_VERSION}-WordCount.jar`,
  sha256: '54d9426ef54ee5be93e77bd83eafea5e6cfbc34644e5555085cb72a239ccb932',
};

/** The input text: each word as many times as EXPECTED says, spread over lines in a mixed order. */
const EXPECTED: Record<string, number> = { stream: 41, batch: 23, yarn: 17, table: 9, sink: 5, one: 1 };
const TEXT = (() => {
  const words = Object.entries(EXPECTED).flatMap(([w, n]) => Array.from({ length: n }, () => w));
  // A fixed interleaving (a stride prime to the length), seven words a line, with mixed case.
  const mixed = words.map((_, i) => words[(i * 7) % words.length] as string);
  const lines: string[] = [];
  for (let i = 0; i < mixed.length; i += 7) lines.push(mixed.slice(i, i + 7).join(' '));
  return lines.map((l, i) => (i % 3 === 0 ? l.toUpperCase() : l)).join('\n') + '\n';
})();

const run = (args: string[]): Promise<CliResult> => cli([...args, ...names], { timeoutMs: 600_000 });
const ok = async (args: string[]): Promise<CliResult> => {
  const r = await run(args);
  expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};
const onHead = async (command: string): Promise<string> => (await ok(['exec', file, command])).stdout;

/** The counts in `(word,n)` or `COUNT word n` lines. */
function counts(text: string, re: RegExp): Record<string, number> {
  return Object.fromEntries([...text.matchAll(re)].map((m) => [m[1] as string, Number(m[2])]));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; s: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, s: Math.round((performance.now() - t0) / 100) / 10 };
}

interface JobOverview {
  jid: string;
  name: string;
  state: string;
}

async function historyJobs(): Promise<JobOverview[]> {
  const r = await fetch(`http://${headIp}:8082/jobs/overview`, { signal: AbortSignal.timeout(5000) });
  return ((await r.json()) as { jobs: JobOverview[] }).jobs;
}

beforeAll(async () => {
  dir = await tempDir('flnk');
  const [jar] = await fetchDownloads(
    [
      {
        ...EXAMPLE,
        url: `maven:org/apache/flink/flink-examples-streaming/${FLINK_VERSION}/${EXAMPLE.name}`,
      },
    ],
    { label: 'the Flink example', sink: nullSink },
  );
  wordCountJar = path.join(dir, 'wordcount.jar');
  await fsp.copyFile((jar as { path: string }).path, wordCountJar);
  await createTestWorkspace(dir, ws);
  file = await writeFile(
    dir,
    `${cluster}.yaml`,
    testClusterYaml({
      cluster,
      workspace: ws,
      runtime: ['hdfs', 'flink'],
      head: { cpu: 2, memory: '3G' },
      worker: { cpu: 1, memory: '2560M', min: 2 },
    }),
  );
}, 300_000);

afterAll(async () => {
  if (file) await cli(['stop', file, '-y', '--hard', ...names]);
  await sweepWorkspace(ws);
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

describe('flink on YARN', () => {
  it('comes up with YARN sized for Flink and the history server answering on the head', async () => {
    const { value: r, s: startS } = await timed(() => ok(['start', file, '-y']));
    headIp = /head (\d+\.\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] as string;
    expect(headIp).toBeDefined();
    expect(r.stdout).toContain(`http://${headIp}:8082/`);
    const { s: readyS } = await timed(() =>
      eventually('the history server and 2 NodeManagers', 180_000, async () => {
        const s = await run(['runtime', 'status', file, '--json']);
        if (s.code !== 0) return undefined;
        const services = (JSON.parse(s.stdout) as { services: { service: string; answering?: boolean }[] }).services;
        const nms = services.filter((x) => x.service === 'yarn-nodemanager' && x.answering).length;
        const history = services.some((x) => x.service === 'flink-history' && x.answering);
        return nms === 2 && history && (await historyJobs()).length === 0 ? true : undefined;
      }),
    );
    console.log(`flink: start ${startS}s, then history server and NodeManagers ready ${readyS}s later`);
    // Small workers: a 768 MB JobManager, one 1 GB TaskManager with a slot per CPU, YARN the rest.
    const conf = await onHead('cat $FLINK_CONF_DIR/config.yaml');
    expect(conf).toContain('jobmanager.memory.process.size: "768m"');
    expect(conf).toContain('taskmanager.memory.process.size: "1024m"');
    expect(conf).toContain('taskmanager.numberOfTaskSlots: 1');
    expect(await onHead('yarn node -list 2>/dev/null | grep -c RUNNING || true')).toMatch(/^2\s*$/);
    expect(await onHead('hdfs dfs -ls -C /shared')).toMatch(
      /flink-checkpoints[\s\S]*flink-history[\s\S]*flink-savepoints/,
    );
  }, 600_000);

  it("runs Flink's WordCount jar in batch mode as a per-job YARN application, with the right counts", async () => {
    const b64 = Buffer.from(TEXT).toString('base64');
    await onHead(`echo ${b64} | base64 -d | hdfs dfs -put -f - /input/words.txt`);
    const input = `hdfs://${headIp}:9000/input/words.txt`;
    const { value: r, s } = await timed(() =>
      ok([
        'submit',
        file,
        wordCountJar,
        '--input',
        input,
        '--output',
        `hdfs://${headIp}:9000/output/wc`,
        '--execution-mode',
        'BATCH',
      ]),
    );
    console.log(`flink: WordCount jar job ${s}s`);
    expect(r.stdout).toMatch(/Job has been submitted with JobID [0-9a-f]{32}/);
    const out = await onHead('hdfs dfs -cat "/output/wc/*/*"');
    expect(counts(out, /^\((\w+),(\d+)\)$/gm)).toEqual(EXPECTED);
  }, 600_000);

  it('runs a PyFlink Table API job the same way, its counts printed by the script', async () => {
    const job = path.join(ROOT, 'test', 'fixtures', 'jobs', 'flink_wordcount.py');
    const { value: r, s } = await timed(() => ok(['submit', file, job, ...TEXT.split(/\s+/).filter(Boolean)]));
    console.log(`flink: PyFlink job ${s}s`);
    expect(counts(r.stdout, /^COUNT (\w+) (\d+)$/gm)).toEqual(EXPECTED);
  }, 600_000);

  it('lists both finished jobs in the history server', async () => {
    const jobs = await eventually('2 jobs in the history server', 60_000, async () => {
      const j = await historyJobs();
      return j.length >= 2 ? j : undefined;
    });
    expect(jobs.map((j) => [j.name, j.state]).sort()).toEqual([
      ['WordCount', 'FINISHED'],
      ['pyflink-wordcount', 'FINISHED'],
    ]);
    // CloudTik's `flink jobs` asks the same API on the head.
    const listed = JSON.parse((await ok(['flink', 'jobs', file, '--json'])).stdout) as { jobs: JobOverview[] };
    expect(listed.jobs.map((j) => j.name).sort()).toEqual(['WordCount', 'pyflink-wordcount']);
  }, 120_000);

  it("fails submit with the job's exit code when the job fails", async () => {
    const r = await run(['submit', file, wordCountJar, '--input', `hdfs://${headIp}:9000/input/missing.txt`]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/missing\.txt/);
  }, 600_000);

  it('runs a job in a Flink session on YARN started with yarn-session.sh', async () => {
    const started = await onHead('yarn-session.sh -d -nm cloudtik-session 2>&1 | tail -n 20');
    const app = /application_\d+_\d+/.exec(started)?.[0];
    expect(app, started).toBeDefined();
    try {
      const { s } = await timed(() =>
        ok([
          'submit',
          file,
          wordCountJar,
          '--runtime-options',
          `-t yarn-session -Dyarn.application.id=${app as string}`,
          '--input',
          `hdfs://${headIp}:9000/input/words.txt`,
          '--output',
          `hdfs://${headIp}:9000/output/session`,
          '--execution-mode',
          'BATCH',
        ]),
      );
      console.log(`flink: WordCount in a session ${s}s`);
      expect(counts(await onHead('hdfs dfs -cat "/output/session/*/*"'), /^\((\w+),(\d+)\)$/gm)).toEqual(EXPECTED);
    } finally {
      await run(['exec', file, `yarn application -kill ${app as string}`]);
    }
  }, 600_000);
});
