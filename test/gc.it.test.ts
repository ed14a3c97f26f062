/**
 * `cloudtik gc` after a crashed start: a first `cloudtik start` killed with SIGKILL while its head
 * runs its setup leaves the head's container (and the cluster's Docker gate), its state folder and
 * data disk, and the cluster lock of a dead process. gc lists exactly those, `gc --yes` removes
 * exactly those, and nothing else: a live cluster beside it, and a container and a network
 * without our labels, stay. And hosts a host pool still holds for a cluster that has no head
 * are given back, while those of a cluster with its head stay held.
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, PoolClient } from '../src/providers/onpremise/client.js';
import { packageVersion } from '../src/version.js';
import { freePort, startPoolService } from './pool-service.js';
import {
  CLI,
  cli,
  cliOk,
  clusterContainers,
  docker,
  eventually,
  exists,
  sweepWorkspace,
  tempDir,
  testRunId,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('gc');
const IMAGE = `cloudtik/cloudtik:${packageVersion()}`;
const FOREIGN = `ctest-${testRunId()}-gc-foreign`;
let dir: string;
let liveFile: string;
let crashFile: string;

function config(cluster: string, extra: string): string {
  return `cluster_name: ${cluster}
workspace_name: ${ws}
provider:
  type: virtual
auth:
  ssh_user: ubuntu
runtime:
  types: []
${extra}
available_node_types:
  head.default:
    node_config:
      instance_type: { CPU: 1, memory: 1G }
      data_disks: [${path.join(dir, 'disks')}]
  worker.default:
    min_workers: 0
    max_workers: 1
    node_config:
      instance_type: { CPU: 1, memory: 1G }
`;
}

interface GcJson {
  leaks: { kind: string; name: string; id?: string }[];
  removed: { kind: string; name: string }[];
  failed: unknown[];
}

async function gc(args: string[]): Promise<GcJson> {
  return JSON.parse((await cliOk(['gc', '--json', ...args])).stdout) as GcJson;
}

const names = (l: { kind: string; name: string }[]): string[] => l.map((x) => `${x.kind} ${x.name}`).sort();
const stateDir = (cluster: string): string => path.join(process.env.CLOUDTIK_HOME ?? '', 'virtual', ws, cluster);

async function containerNames(cluster: string): Promise<string[]> {
  return (await clusterContainers(ws, cluster)).map((c) => (c.Names[0] ?? '').replace(/^\//, '')).sort();
}

/** Start the crash cluster and SIGKILL the CLI once its head runs its setup commands. */
async function crashedStart(): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'start', crashFile, '-y'], {
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    await eventually('the crash cluster head setting up', 120_000, async () => {
      const state = JSON.parse(await fsp.readFile(path.join(stateDir('crash'), 'state.json'), 'utf8')) as {
        nodes: Record<string, { tags?: Record<string, string> }>;
      };
      const setting = Object.values(state.nodes).some((n) => n.tags?.['cloudtik-node-status'] === 'setting-up');
      return setting ? true : undefined;
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

beforeAll(async () => {
  dir = await tempDir('gc');
  const wsFile = await writeFile(dir, 'ws.yaml', `workspace_name: ${ws}\nprovider:\n  type: virtual\n`);
  await cliOk(['workspace', 'create', wsFile, '-y']);
  liveFile = await writeFile(dir, 'live.yaml', config('live', ''));
  crashFile = await writeFile(dir, 'crash.yaml', config('crash', 'setup_commands:\n  - sleep 120'));
  await cliOk(['start', liveFile, '-y']);
  // Ours by name only: no cloudtik label on either.
  await docker.createNetwork({ Name: FOREIGN, Labels: { 'ctest-foreign': 'true' } });
  await docker.createContainer({ name: FOREIGN, Image: IMAGE, Cmd: ['true'], Labels: { 'ctest-foreign': 'true' } });
}, 600_000);

afterAll(async () => {
  for (const f of [crashFile, liveFile]) await cli(['stop', f, '-y', '--hard']);
  await docker
    .getContainer(FOREIGN)
    .remove({ force: true })
    .catch(() => undefined);
  await docker
    .getNetwork(FOREIGN)
    .remove()
    .catch(() => undefined);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('cloudtik gc', { timeout: 600_000 }, () => {
  it('lists exactly what a killed first start left, and --yes removes exactly that', async () => {
    expect((await gc(['--workspace', ws])).leaks).toEqual([]);
    const liveBefore = (await clusterContainers(ws, 'live')).map((c) => c.Id).sort();

    await crashedStart();
    const crashContainers = await containerNames('crash');
    expect(crashContainers.length).toBeGreaterThanOrEqual(1);
    const head = (await clusterContainers(ws, 'crash')).find((c) => c.Labels['cloudtik-node-kind'] === 'head');
    const headName = (head?.Names[0] ?? '').replace(/^\//, '');
    const expected = [
      ...crashContainers.map((n) => `container ${n}`),
      `data-disk ${path.join(dir, 'disks', headName)}`,
      `state-folder ${stateDir('crash')}`,
      `lock ${stateDir('crash')}.cluster.lock`,
    ].sort();

    const listed = await gc(['--workspace', ws]);
    expect(names(listed.leaks)).toEqual(expected);
    // Listing changed nothing; without --workspace it finds the same here (other homes' clusters
    // are not ours; what other tests of this run left in this home is theirs to answer for).
    expect(await containerNames('crash')).toEqual(crashContainers);
    expect(names((await gc([])).leaks).filter((n) => n.includes(ws))).toEqual(expected);
    const text = (await cliOk(['gc', '--workspace', ws])).stdout;
    expect(text).toContain(`${expected.length} leftover(s). Remove them with: cloudtik gc --yes`);

    const removed = await gc(['--workspace', ws, '--yes']);
    expect([names(removed.removed), removed.failed]).toEqual([expected, []]);
    expect(await containerNames('crash')).toEqual([]);
    for (const p of [stateDir('crash'), `${stateDir('crash')}.cluster.lock`, path.join(dir, 'disks', headName)]) {
      expect(exists(p), p).toBe(false);
    }
    // What is not ours, and the live cluster, are untouched.
    expect((await docker.getContainer(FOREIGN).inspect()).Name).toBe(`/${FOREIGN}`);
    expect((await docker.getNetwork(FOREIGN).inspect()).Name).toBe(FOREIGN);
    expect((await clusterContainers(ws, 'live')).map((c) => c.Id).sort()).toEqual(liveBefore);
    await cliOk(['exec', liveFile, 'true']);
    expect((await gc(['--workspace', ws])).leaks).toEqual([]);
  });
});

describe('cloudtik gc and a host pool', { timeout: 300_000 }, () => {
  it('gives back the hosts a pool holds for a cluster without a head, and only those', async () => {
    const poolFile = await writeFile(
      dir,
      'pool.yaml',
      'instance_types:\n  small: {CPU: 1, memory: 1G}\nnodes:\n  - {ip: 10.251.0.1, instance_type: small}\n  - {ip: 10.251.0.2, instance_type: small}\n  - {ip: 10.251.0.3, instance_type: small}\n',
    );
    const service = await startPoolService({ poolFile, port: await freePort(), env: {} });
    try {
      const client = new PoolClient(service.address, (await clientToken()) as string);
      await client.call('create_workspace', 'pool-ws');
      const tags = (cluster: string, kind: string): Record<string, string> => ({
        'cloudtik-workspace-name': 'pool-ws',
        'cloudtik-cluster-name': cluster,
        'cloudtik-node-kind': kind,
      });
      const [kept] = await client.call('create_node', { instance_type: 'small' }, tags('kept', 'head'), 1);
      const orphans = await client.call('create_node', { instance_type: 'small' }, tags('ghost', 'worker'), 2);

      const listed = await gc(['--workspace', 'pool-ws']);
      expect(names(listed.leaks)).toEqual(orphans.map((h) => `pool-host ${h}`).sort());
      const removed = await gc(['--workspace', 'pool-ws', '--yes']);
      expect([names(removed.removed), removed.failed]).toEqual([names(listed.leaks), []]);
      const held = (await client.call('status')).hosts.filter((h) => h.state === 'running').map((h) => h.name);
      expect(held).toEqual([kept]);
      expect((await gc(['--workspace', 'pool-ws'])).leaks).toEqual([]);
    } finally {
      await service.kill();
    }
  });
});
