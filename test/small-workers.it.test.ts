/**
 * Spark on small workers: a 2 GB head and 2 GB workers (the size a laptop gives 1 head + 3
 * workers) run the demo word count and a Spark SQL job on YARN, sized so no container is killed
 * for memory. Two workers rather than three keep the test shorter: the point is each worker's
 * sizing, and two still place the application master and an executor on different workers.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../src/providers/virtual/engine.js';
import {
  cli,
  cliOk,
  clusterContainers,
  createTestWorkspace,
  eventually,
  execInContainer,
  ROOT,
  sweepWorkspace,
  tempDir,
  testClusterYaml,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('small');
const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' });
const names = ['--workspace-name', ws];
let dir: string;
let file: string;
let headIp: string;

/** YARN's cluster metrics from the ResourceManager's REST API, or undefined while it does not answer. */
async function yarnMetrics(): Promise<{ activeNodes: number; totalMB: number } | undefined> {
  try {
    const res = await fetch(`http://${headIp}:8088/ws/v1/cluster/metrics`, { signal: AbortSignal.timeout(3000) });
    return res.ok
      ? ((await res.json()) as { clusterMetrics: { activeNodes: number; totalMB: number } }).clusterMetrics
      : undefined;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  dir = await tempDir('small');
  await createTestWorkspace(dir, ws);
  file = await writeFile(
    dir,
    'small.yaml',
    testClusterYaml({
      cluster: 'small',
      workspace: ws,
      head: { cpu: 2, memory: '2G' },
      worker: { cpu: 2, memory: '2G', min: 2 },
    }),
  );
});

afterAll(async () => {
  await cli(['stop', file, '-y', '--hard', ...names]);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('Spark on 2 GB workers', () => {
  it('starts with YARN sized for what the daemons leave', async () => {
    const r = await cliOk(['start', file, '-y', ...names]);
    headIp = /head (\d+\.\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] as string;
    expect(headIp).toBeDefined();
    // A NodeManager counts as active before the scheduler has added its memory to the totals.
    let last: Awaited<ReturnType<typeof yarnMetrics>>;
    const m = await eventually(
      'both NodeManagers active with their memory in the totals',
      90_000,
      async () => {
        last = await yarnMetrics();
        return last && last.activeNodes >= 2 && last.totalMB >= 2 * 1280 ? last : undefined;
      },
      { context: () => Promise.resolve(`last metrics: ${JSON.stringify(last)}`) },
    );
    // 2048 MB less 768 MB for the DataNode, the NodeManager and the agent, on each worker.
    expect(m).toMatchObject({ activeNodes: 2, totalMB: 2 * 1280 });
  });

  it('runs the demo word count and a Spark SQL job, with no container killed for memory', async () => {
    const words = await writeFile(dir, 'words.txt', 'the quick brown fox\nthe lazy dog\nthe end\n');
    await cliOk(['upload', file, words, '/tmp/words.txt', ...names]);
    await cliOk(['exec', file, 'hdfs dfs -put -f /tmp/words.txt /words.txt', ...names]);
    const wc = await cli([
      'submit',
      file,
      path.join(ROOT, 'examples/jobs/wordcount.py'),
      `hdfs://${headIp}:9000/words.txt`,
      '3',
      ...names,
    ]);
    expect(wc.code, wc.stderr).toBe(0);
    expect(wc.stdout).toMatch(/^\s+3 {2}the$/m);
    const sql = path.join(ROOT, 'test/fixtures/jobs/sql.py');
    const r = await cli(['submit', file, sql, `hdfs://${headIp}:9000/sql`, ...names]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('SQL 1000 9999825 200000');
    expect(r.stdout).toContain('EXECUTOR_MEMORY 896m');
    // The kernel's count of processes it killed in each node's memory limit (cgroup v2 or v1).
    for (const c of await clusterContainers(ws, 'small')) {
      const events = await execInContainer(engine.getContainer(c.Id), [
        'sh',
        '-c',
        'cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control',
      ]);
      expect(events.stdout, c.Names[0]).toMatch(/^oom_kill 0$/m);
    }
  });
});
