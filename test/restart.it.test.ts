/**
 * Clusters come back after an engine or host restart, with their data: 1 head + 1 worker running
 * HDFS (the NameNode on the head, the DataNode's blocks on the worker's data disk), against the
 * real engine. The shared engine itself is never restarted here: each test brings every node
 * container down and up again the way the engine does around its own restart.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../src/providers/virtual/engine.js';
import {
  type EventJson,
  eventually,
  cli,
  cliOk,
  clusterContainers,
  docker,
  execInContainer,
  sweepWorkspace,
  tempDir,
  testWorkspace,
  writeFile,
} from './helpers.js';

const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' });

const ws = testWorkspace('rs');
const cluster = 'rs';
const CONTENT = 'blocks that must survive a restart';
let dir: string;
let file: string;

interface Node {
  id: string;
  containerId: string;
  kind: string;
  ip: string;
  state: string;
}

interface StatusRow {
  id: string;
  kind: string;
  ip?: string;
  status: string;
  restartedAt?: number;
  restartCount?: number;
}

function config(disks: string): string {
  return `cluster_name: ${cluster}
workspace_name: ${ws}
provider:
  type: virtual
auth:
  ssh_user: ubuntu
runtime:
  types: [hdfs]
available_node_types:
  head.default:
    node_config:
      instance_type: { CPU: 1, memory: 2G }
  worker.default:
    min_workers: 1
    max_workers: 1
    node_config:
      instance_type: { CPU: 1, memory: 2G }
      data_disks: [${disks}]
`;
}

/** The cluster's containers as the engine lists them. */
async function nodes(): Promise<Node[]> {
  const net = `cloudtik-${ws}`;
  return (await clusterContainers(ws, cluster))
    .map((c) => ({
      id: (c.Names[0] ?? '').replace(/^\//, ''),
      containerId: c.Id,
      kind: c.Labels['cloudtik-node-kind'] ?? '',
      ip: c.NetworkSettings.Networks[net]?.IPAddress ?? '',
      state: c.State,
    }))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
}

function workerOf(list: Node[]): Node {
  const worker = list.find((n) => n.kind === 'worker');
  if (!worker) throw new Error(`no worker among ${list.map((n) => n.id).join(', ')}`);
  return worker;
}

async function onHead(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli(['exec', file, command]);
}

async function statusRows(): Promise<{ rows: StatusRow[]; text: string }> {
  const json = JSON.parse((await cliOk(['status', file, '--json'])).stdout) as { nodes: StatusRow[] };
  return { rows: json.nodes, text: (await cliOk(['status', file])).stdout };
}

async function events(): Promise<EventJson[]> {
  return (JSON.parse((await cliOk(['events', file, '--json', '--limit', '500'])).stdout) as { events: EventJson[] })
    .events;
}

/** An event of a node replaced, launched, or set up (an update that ran the setting-up phase). */
function replacedOrSetUp(e: EventJson): boolean {
  return ['terminate', 'launch'].includes(e.kind) || (e.kind === 'update' && /setting-up/.test(e.message));
}

/** The HDFS file, read from the head once HDFS answers (the NameNode and the worker's DataNode). */
async function readHdfsFile(): Promise<string> {
  return eventually('the HDFS file reads', 240_000, async () => {
    const r = await onHead('hdfs dfs -cat /rs/kept.txt');
    return r.code === 0 ? r.stdout.trim() : undefined;
  });
}

/** The worker's agent heartbeats to the head again, and the controller counts it up-to-date. */
async function workerJoined(): Promise<void> {
  await eventually('the worker joined', 180_000, async () => {
    const r = await cli(['status', file, '--json']);
    if (r.code !== 0) return undefined;
    const s = JSON.parse(r.stdout) as {
      controller: { targets: Record<string, { upToDate: number }>; workers: { heartbeatAgeMs?: number }[] } | null;
    };
    const fresh = s.controller?.workers.some((w) => w.heartbeatAgeMs !== undefined && w.heartbeatAgeMs < 10_000);
    return s.controller?.targets['worker.default']?.upToDate === 1 && fresh ? true : undefined;
  });
}

beforeAll(async () => {
  dir = await tempDir('rs');
  file = await writeFile(dir, 'cluster.yaml', config(path.join(dir, 'disks')));
  const wsFile = await writeFile(dir, 'ws.yaml', `workspace_name: ${ws}\nprovider:\n  type: virtual\n`);
  await cliOk(['workspace', 'create', wsFile, '-y']);
  await cliOk(['start', file, '-y']);
  await eventually('one live DataNode', 120_000, async () => {
    const r = await onHead('hdfs dfsadmin -report 2>/dev/null');
    return /Live datanodes \(1\)/.test(r.stdout) ? true : undefined;
  });
  const put = await onHead(
    `hdfs dfs -mkdir -p /rs && printf '%s\\n' '${CONTENT}' > /tmp/kept.txt && hdfs dfs -put -f /tmp/kept.txt /rs/kept.txt`,
  );
  expect(put.code, put.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  await cli(['stop', file, '-y', '--hard']);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('a cluster after an engine restart', { timeout: 600_000 }, () => {
  it('comes back by itself with the same nodes, addresses and HDFS data, and status says so', async () => {
    const before = await nodes();
    // The cluster's Docker gate is a container of the cluster too, and comes back with the rest.
    expect(before.map((n) => n.kind)).toEqual(['gate', 'head', 'worker']);
    const launchesBefore = (await events()).filter((e) => e.kind === 'launch').length;

    // What the engine does around its own restart (or a host reboot): every container's processes
    // are ended (not through a `docker stop`, so nothing counts as stopped by the user), then the
    // engine starts every container whose restart policy says so, all at once, each with its main
    // process new and its network endpoint made again. Ending each node's main process here does
    // the same: the container exits on its own and its restart policy starts it again; stopping
    // it through the API instead would mark it stopped by the user, which `unless-stopped` honours.
    const t0 = Date.now();
    // The gate runs without capabilities as another user than its init: every process of its own ends.
    await Promise.all(
      before.map((n) =>
        execInContainer(
          engine.getContainer(n.id),
          n.kind === 'gate' ? ['sh', '-c', 'kill -9 -1'] : ['kill', '-TERM', '1'],
        ),
      ),
    );

    // Each container exits and its restart policy starts it again (the engine counts that restart;
    // while the restart waits, the engine says `restarting` and still `Running`).
    await eventually('every node restarted by the engine', 60_000, async () => {
      const states = await Promise.all(before.map((n) => docker.getContainer(n.id).inspect()));
      return states.every((c) => c.State.Status === 'running' && c.RestartCount >= 1) ? true : undefined;
    });
    const after = await nodes();
    // The same containers (adopted, not replaced), at the same addresses.
    expect(after.map((n) => [n.containerId, n.ip, n.state])).toEqual(
      before.map((n) => [n.containerId, n.ip, 'running']),
    );

    expect(await readHdfsFile()).toBe(CONTENT);
    await workerJoined();
    // The runtime's daemons run again under their supervisors (not only answering on their ports).
    const services = await eventually('runtime services healthy', 120_000, async () => {
      const r = await cli(['runtime', 'status', file, '--json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as { services: { service: string }[] }).services : undefined;
    });
    expect(services.map((x) => x.service).sort()).toEqual(['hdfs-datanode', 'hdfs-namenode']);

    const { rows, text } = await statusRows();
    for (const r of rows) expect(r.restartedAt, r.id).toBeGreaterThanOrEqual(t0 - 1000);
    expect(text).toMatch(/RESTARTED/);
    // No worker was launched or set up again: the boot re-ran only the start commands.
    const e = await events();
    expect(e.filter((x) => x.kind === 'launch')).toHaveLength(launchesBefore);
    expect(e.filter((x) => x.time >= t0 && replacedOrSetUp(x))).toEqual([]);
    const workerLog = (await docker.getContainer(workerOf(after).id).logs({ stdout: true, stderr: true })).toString();
    expect(workerLog).toMatch(/cloudtik boot: resuming the start commands/);
    expect(workerLog).toMatch(/start commands ended with exit code 0/);
  });

  it('stays stopped after docker stop, and `cloudtik start` starts the same containers again with the data', async () => {
    const before = await nodes();
    await Promise.all(before.map((n) => docker.getContainer(n.id).stop({ t: 10 })));
    // Stopped by the user: the engine leaves them stopped (`unless-stopped`), and so does nothing else.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await nodes()).map((n) => n.state)).toEqual(['exited', 'exited', 'exited']);

    const t0 = Date.now();
    const r = await cliOk(['start', file, '-y']);
    expect(r.stdout + r.stderr).toMatch(/Start the stopped head .* again/);
    const after = await nodes();
    expect(after.map((n) => [n.containerId, n.ip, n.state])).toEqual(
      before.map((n) => [n.containerId, n.ip, 'running']),
    );
    expect(await readHdfsFile()).toBe(CONTENT);

    // The head's controller started the worker again (no replacement, no setup).
    const e = (await events()).filter((x) => x.time >= t0);
    expect(e.some((x) => x.kind === 'resume' && x.nodeIds?.includes(workerOf(before).id))).toBe(true);
    expect(e.filter(replacedOrSetUp)).toEqual([]);
    // Both were stopped and started again after their setup.
    const { rows } = await statusRows();
    for (const row of rows) expect(row.restartedAt, row.id).toBeGreaterThanOrEqual(t0 - 1000);
  });
});
