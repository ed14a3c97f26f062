/**
 * The presto runtime on a real cluster (1 head + 2 small workers): HDFS, Spark on YARN, postgres and
 * the Hive metastore on the head, and Presto (the coordinator on the head, a worker on each worker).
 * A PySpark job creates a partitioned Parquet table and inserts rows; the Presto CLI on the head
 * reads the same count and sums through the metastore, with both workers active. runtime status,
 * process-status, logs and health-check know Presto's services. A bad presto option is refused
 * with its position before anything is created.
 */
import fsp from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESTO_VERSION } from '../src/core/host/versions.js';
import {
  cli,
  type CliResult,
  clusterContainers,
  createTestWorkspace,
  eventually,
  sweepWorkspace,
  tempDir,
  testClusterYaml,
  testWorkspace,
  writeFile,
} from './helpers.js';
import { CREATE_TABLE_JOB, ENGINE_EXPECTED, ENGINE_QUERIES } from './sql-tables.js';

const ws = testWorkspace('presto');
const cluster = 'presto';
const names = ['--workspace-name', ws];
const WORKERS = 2;
let dir: string;
let file: string;
let headIp: string;

/** The Presto CLI on the head, rows as tab-separated lines. */
const prestoQuery = (sql: string): string => `presto --output-format TSV --execute "${sql}"`;

const run = (args: string[]): Promise<CliResult> => cli([...args, ...names], { timeoutMs: 600_000 });
const ok = async (args: string[]): Promise<CliResult> => {
  const r = await run(args);
  expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};
const onHead = async (command: string): Promise<string> => (await ok(['exec', file, command])).stdout;

beforeAll(async () => {
  dir = await tempDir('presto');
  await createTestWorkspace(dir, ws);
  file = await writeFile(
    dir,
    `${cluster}.yaml`,
    testClusterYaml({
      cluster,
      workspace: ws,
      runtime: ['hdfs', 'spark', 'postgres', 'metastore', 'presto'],
      head: { cpu: 2, memory: '4G' },
      worker: { cpu: 2, memory: '2G', min: WORKERS },
    }),
  );
});

afterAll(async () => {
  await cli(['stop', file, '-y', '--hard', ...names]);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('presto', () => {
  it('refuses a bad presto option with its position and creates nothing', async () => {
    const bad = await writeFile(
      dir,
      'bad.yaml',
      testClusterYaml({
        cluster: 'presto-bad',
        workspace: ws,
        runtime: { types: ['hdfs', 'spark', 'postgres', 'metastore', 'presto'], presto: { worker_heap_size: 'big' } },
        head: { cpu: 1, memory: '1G' },
      }),
    );
    const text = await fsp.readFile(bad, 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('worker_heap_size')) + 1;
    const r = await run(['start', bad, '-y']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${bad.replaceAll('.', '\\.')}:${line}:\\d+`));
    expect(r.stderr).toContain('runtime.presto.worker_heap_size');
    expect(r.stderr).toContain('must be integer');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await clusterContainers(ws, 'presto-bad')).toHaveLength(0);
  });

  it('comes up with the coordinator on the head and a worker on each worker, all active', async () => {
    const t0 = performance.now();
    const r = await ok(['start', file, '-y']);
    const startS = (performance.now() - t0) / 1000;
    headIp = /head (\d+\.\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] as string;
    expect(headIp).toBeDefined();
    expect(r.stdout).toContain(`http://${headIp}:8081`);
    const services = await eventually('every runtime service healthy', 180_000, async () => {
      const s = await run(['runtime', 'status', file, '--json']);
      if (s.code !== 0) return undefined;
      const all = (JSON.parse(s.stdout) as { services: { service: string; answering?: boolean }[] }).services;
      const presto = all.filter((x) => x.service.startsWith('presto-') && x.answering === true);
      return presto.length === WORKERS + 1 ? all : undefined;
    });
    const healthyS = (performance.now() - t0) / 1000;
    expect(services.filter((s) => s.service === 'presto-coordinator')).toHaveLength(1);
    expect(services.filter((s) => s.service === 'presto-worker')).toHaveLength(WORKERS);
    await eventually(`Presto sees ${WORKERS} active workers`, 180_000, async () => {
      const q = await run(['exec', file, prestoQuery(ENGINE_QUERIES.activeWorkers)]);
      return q.code === 0 && q.stdout.trim() === String(WORKERS) ? true : undefined;
    });
    const readyS = (performance.now() - t0) / 1000;
    console.log(
      `${cluster}: start returned after ${startS.toFixed(1)} s, Presto's services answered after ${healthyS.toFixed(1)} s, Presto saw its ${WORKERS} workers after ${readyS.toFixed(1)} s`,
    );
    const info = (await ok(['info', file])).stdout;
    expect(info).toMatch(new RegExp(`Presto Web UI\\S*\\s+http://${headIp.replace(/\./g, '\\.')}:8081`));
  });

  it('the Presto CLI on the head reads the same count and sums from the table Spark wrote', async () => {
    const job = await writeFile(dir, 'create.py', CREATE_TABLE_JOB);
    expect((await ok(['submit', file, job])).stdout).toContain('CREATED');
    expect((await onHead(prestoQuery(ENGINE_QUERIES.totals))).trim()).toBe(ENGINE_EXPECTED.totals);
    expect((await onHead(prestoQuery(ENGINE_QUERIES.regions))).trim()).toBe(ENGINE_EXPECTED.regions);
    const version = await onHead(prestoQuery('SELECT node_version FROM system.runtime.nodes WHERE coordinator'));
    expect(version.trim().startsWith(`${PRESTO_VERSION}-`), version).toBe(true);
  });

  it("process-status, logs and health-check know Presto's services", async () => {
    const ps = JSON.parse((await ok(['process-status', file, '--runtimes', 'presto', '--json'])).stdout) as {
      processes: { kind: string; runtime: string; service: string; state: string }[];
    };
    const running = ps.processes.filter((p) => p.state === 'running').map((p) => `${p.kind}/${p.service}`);
    expect(running.sort()).toEqual([
      'head/presto-coordinator',
      'head/presto-discovery',
      ...Array<string>(WORKERS).fill('worker/presto-worker'),
    ]);
    const logs = (await ok(['logs', file, '--runtimes', 'presto', '--node-types', 'head.default', '--tail', '2000']))
      .stdout;
    expect(logs).toContain('presto-coordinator.log <==');
    expect(logs).toContain('SERVER STARTED');
    const health = await ok(['health-check', file]);
    expect(health.stdout).toMatch(/is healthy/);
  });
});
