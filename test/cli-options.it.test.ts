/**
 * CloudTik's options on the existing commands, on one small virtual cluster (a head and two
 * workers): the ones with a real effect do it, the ones with nothing to do here say so, and every
 * `--json` result keeps the same field names.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonCamelKeys } from '../src/cli/json.js';
import { cli, cliOk, clusterContainers, exists, sweepWorkspace, tempDir, testWorkspace, writeFile } from './helpers.js';

const ws = testWorkspace('cliopt');
const cluster = 'opts';
let dir: string;
let file: string;
let wsFile: string;
let shareRoot: string;

/**
 * A worker's stop commands leave a marker named after it in a shared data folder (a host folder
 * that outlives the node: the head removes a killed worker with its data disk).
 */
const marker = (id: string): string => path.join(shareRoot, `stopped-${id}`);

interface NodeJson {
  id: string;
  kind: string;
  ip: string;
  cpus: number;
}

async function json<T>(args: string[]): Promise<T> {
  return JSON.parse((await cliOk([...args, '--json'])).stdout) as T;
}

async function workers(): Promise<NodeJson[]> {
  const s = await json<{ nodes: NodeJson[] }>(['status', file]);
  return s.nodes.filter((n) => n.kind === 'worker');
}

describe('CloudTik options on a virtual cluster', () => {
  beforeAll(async () => {
    dir = await tempDir('cliopt');
    shareRoot = path.join(dir, 'share');
    wsFile = await writeFile(dir, 'workspace.yaml', `workspace_name: ${ws}\nprovider:\n    type: virtual\n`);
    file = await writeFile(
      dir,
      'cluster.yaml',
      `cluster_name: ${cluster}
workspace_name: ${ws}
provider:
    type: virtual
runtime:
    types: []
worker_stop_commands:
    - touch /cloudtik/data/share/stopped-$CLOUDTIK_NODE_ID
available_node_types:
    head.default:
        node_config:
            instance_type: {CPU: 1, memory: 384M}
    worker.default:
        node_config:
            instance_type: {CPU: 1, memory: 256M}
            data_dirs:
                - ${shareRoot}
        min_workers: 2
`,
    );
    await cliOk(['workspace', 'create', wsFile]);
    await cliOk(['start', file, '-y']);
  });

  afterAll(async () => {
    await cli(['stop', file, '-y', '--hard']);
    await sweepWorkspace(ws);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('exec --wait-for-workers --min-workers --wait-timeout waits, then runs; --no-all-nodes is the head', async () => {
    const r = await cliOk([
      'exec',
      file,
      '--wait-for-workers',
      '--min-workers',
      '2',
      '--wait-timeout',
      '120',
      '--no-all-nodes',
      'echo $CLOUDTIK_NODE_KIND',
    ]);
    expect(r.stdout.trim()).toBe('head');
  });

  it('exec --screen / --tmux: a clear error and exit 127 where the tool is missing; both at once is a usage error', async () => {
    for (const tool of ['screen', 'tmux']) {
      const r = await cli(['exec', file, `--${tool}`, 'sleep 1']);
      expect(r.code).toBe(127);
      expect(r.stderr).toContain(`${tool} is not installed on this node`);
    }
    const both = await cli(['exec', file, '--screen', '--tmux', 'true']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--screen and --tmux cannot be used together');
  });

  it('exec -p on virtual names the head address to use instead, and runs the command', async () => {
    const head = (await json<{ headIp: string }>(['head-ip', file])).headIp;
    const r = await cliOk(['exec', file, '-p', '8080', '-p', '9870', '--run-env', 'host', 'echo ran']);
    expect(r.stdout.trim()).toBe('ran');
    expect(r.stderr).toContain(`use ${head}:8080, ${head}:9870 (nothing forwarded)`);
    expect(r.stderr).toMatch(/^--run-env host: /m);
  });

  it('info --worker-cpus and its family print one number each', async () => {
    const running = await workers();
    const number = async (flag: string): Promise<string> => (await cliOk(['info', file, flag])).stdout.trim();
    expect(await number('--total-workers')).toBe('2');
    expect(await number('--worker-cpus')).toBe(String(running.reduce((s, w) => s + w.cpus, 0)));
    expect(await number('--cpus-per-worker')).toBe(String(running[0]?.cpus));
    expect(await number('--memory-per-worker')).toBe('256');
    expect(await number('--worker-gpus')).toBe('0');
    expect(Number(await number('--sockets-per-worker'))).toBeGreaterThanOrEqual(1);
    const two = await cli(['info', file, '--worker-cpus', '--total-workers']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('print one number at a time');
  });

  it('worker-ips --runtime refuses a runtime no node runs', async () => {
    const r = await cli(['worker-ips', file, '--runtime', 'spark']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no node of cluster ${cluster} runs spark`);
  });

  it('runtime start|stop act on the chosen nodes only', async () => {
    const [worker] = await workers();
    const one = await json<{ nodes: number }>(['runtime', 'stop', file, '--node-ip', worker!.ip, '-y']);
    expect(one.nodes).toBe(1);
    const head = await json<{ nodes: number }>(['runtime', 'start', file, '--no-all-nodes', '--no-parallel', '-y']);
    expect(head.nodes).toBe(1);
    const all = await json<{ nodes: number }>(['runtime', 'start', file, '--all-nodes', '-y']);
    expect(all.nodes).toBe(3);
  });

  it('scale takes --bundles, --gpus and -y', async () => {
    const r = await json<{ bundles: Record<string, number>[] }>([
      'scale',
      file,
      '--bundles',
      '[{"CPU":1}]',
      '-y',
      '--no-wait',
    ]);
    expect(r.bundles).toContainEqual({ CPU: 1 });
    const gpus = await cli(['scale', file, '--gpus', '1', '--resources', 'GPU:2', '-y']);
    expect(gpus.code).toBe(2);
    expect(gpus.stderr).toContain('--gpus 1 and --resources GPU:2 disagree');
  });

  it('every --json result names its fields in camelCase, with the cluster or workspace it is about', async () => {
    const [worker] = await workers();
    const results: Array<[string, string[], Record<string, unknown>]> = [];
    for (const args of [
      ['status', file],
      ['info', file],
      ['info', file, '--total-workers'],
      ['head-ip', file],
      ['worker-ips', file],
      ['events', file],
      ['runtime', 'status', file],
      ['wait-for-ready', file, '--timeout', '60'],
      ['exec', file, 'true'],
      ['exec', file, '--node-ip', worker!.ip, 'true'],
    ]) {
      results.push([args.join(' '), args, await json<Record<string, unknown>>(args)]);
    }
    for (const [name, , out] of results) {
      expect(nonCamelKeys(out), name).toEqual([]);
      expect(out.cluster, name).toBe(cluster);
    }
    const info = await json<Record<string, unknown>>(['workspace', 'info', wsFile]);
    expect(nonCamelKeys(info)).toEqual([]);
    expect(info.workspace).toBe(ws);
    const list = await json<{ workspaces: Record<string, unknown>[] }>(['workspace', 'list']);
    expect(nonCamelKeys(list)).toEqual([]);
    expect(list.workspaces.map((w) => w.workspace)).toContain(ws);
    const images = await json<{ images: unknown[] }>(['image', 'list']);
    expect(nonCamelKeys(images)).toEqual([]);
    expect(images.images.length).toBeGreaterThan(0);
  });

  it('kill-node runs the worker stop commands first; --hard kills it as a crash would', async () => {
    const [gentle, hard] = await workers();
    await cliOk(['kill-node', file, '--node-ip', gentle!.ip, '-y']);
    await cliOk(['kill-node', file, '--node-ip', hard!.ip, '--hard', '-y']);
    expect(exists(marker(gentle!.id))).toBe(true);
    expect(exists(marker(hard!.id))).toBe(false);
  });

  it('submit takes the job options: --wait-for-workers, --screen (the job runs detached), --runtime on a shell job', async () => {
    const job = await writeFile(dir, 'job.sh', 'echo "job on $(hostname)"\n');
    const ran = await cliOk(['submit', file, job, '--wait-for-workers', '--wait-timeout', '120']);
    expect(ran.stdout).toMatch(/^job on /m);
    // Jobs run detached under the head's job runner: --screen queues the job and returns its id.
    const screen = await cli(['submit', file, job, '--screen']);
    expect(screen.code, screen.stderr).toBe(0);
    expect(screen.stderr).toContain("--screen: jobs run detached under the head's job runner");
    expect(screen.stdout.trim()).toMatch(/^job-\d+$/);
    const runtime = await cli(['submit', file, job, '--runtime', 'spark']);
    expect(runtime.code).toBe(2);
    expect(runtime.stderr).toContain('--runtime spark does not run .sh jobs');
    const both = await cli(['attach', file, '--screen', '--tmux']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--screen and --tmux cannot be used together');
  });

  it('start --json and scale --json keep the field names too', async () => {
    expect(nonCamelKeys(await json(['start', file, '-y']))).toEqual([]);
    expect(nonCamelKeys(await json(['scale', file, '--workers', '2', '-y', '--no-wait']))).toEqual([]);
  });

  it('exec --stop runs the command, then stops the cluster; exec --start starts it again first', async () => {
    const r = await cliOk(['exec', file, '--stop', '-y', 'echo last']);
    expect(r.stdout.trim()).toBe('last');
    expect(await clusterContainers(ws, cluster)).toEqual([]);
    const again = await cliOk(['exec', file, '--start', '-y', '--wait-for-workers', 'echo $CLOUDTIK_NODE_KIND']);
    expect(again.stdout.trim()).toBe('head');
    expect(await workers()).toHaveLength(2);
    const running = await cliOk(['exec', file, '--start', '-y', 'true']);
    expect(running.stderr).toContain('--start has nothing to do');
  });

  it('stop --deep stops the cluster and says what it removes', async () => {
    const deep = await cli(['stop', file, '--deep', '-y', '--json']);
    expect(deep.code).toBe(0);
    expect(deep.stderr).toContain("--deep: stop always removes each node's data-disk folders with the node");
    const result = JSON.parse(deep.stdout) as { cluster: string; terminated: string[] };
    expect(nonCamelKeys(result)).toEqual([]);
    expect(result.terminated).toHaveLength(3);
    expect(await clusterContainers(ws, cluster)).toEqual([]);
  });
});
