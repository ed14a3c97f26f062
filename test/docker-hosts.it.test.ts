/**
 * `docker.enabled: true` on the `onpremise` provider over real SSH: three test hosts with no Docker
 * engine and nothing of ours, one pool served by the host-pool service this test runs. Every host
 * gets Debian's docker.io, the node image from this machine's engine, and its node as a container
 * on the host's network; HDFS, YARN and Spark run in those containers and answer at the hosts'
 * addresses; a PySpark job goes through `cloudtik submit`. A second start sends no image. The test
 * looks at hosts through Docker, which the code under test never does.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeNodeManagers, liveDataNodes } from './engine-probes.js';
import { cli, cliOk, docker, eventually, tempDir, testWorkspace } from './helpers.js';
import { freePort, startPoolService, type PoolService } from './pool-service.js';
import { startSshHosts, type SshHost, type SshHosts } from './ssh-hosts.js';

let hosts: SshHosts;
let dir: string;
let pool: PoolService;
let cluster: string;
let headIp: string;
const env: Record<string, string> = {};
const CONTAINER = 'cloudtik-ws-dh-dh';
/** The workers' data disk: a folder on each host, made by the setup. */
const DISK = '/var/lib/dh-disk';

interface StatusJson {
  nodes: { id: string; kind: string; ip: string; status: string }[];
}

async function status(): Promise<StatusJson> {
  return JSON.parse((await cliOk(['status', cluster, '--json'], { env })).stdout) as StatusJson;
}

/** The cluster's containers on a host: name, state, image. */
async function containersOn(host: SshHost): Promise<string[]> {
  const r = await hosts.rootShell(
    host,
    "docker ps -a --filter label=cloudtik-cluster-name=dh --format '{{.Names}} {{.State}} {{.Image}}' 2>/dev/null; true",
  );
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

describe('onpremise provider with docker.enabled: nodes in containers on SSH hosts', () => {
  beforeAll(async () => {
    dir = await tempDir('dockhosts');
    env.CLOUDTIK_HOME = path.join(dir, 'home');
    hosts = await startSshHosts(3, 'dockhosts', { docker: true });
    const network = await docker.getNetwork(testWorkspace('dockhosts')).inspect();
    const bind = network.IPAM?.Config?.[0]?.Gateway ?? '';
    const poolFile = path.join(dir, 'pool.yaml');
    await fsp.writeFile(
      poolFile,
      `instance_types:\n  node: {CPU: 2, memory: 4G}\nnodes:\n${hosts.hosts.map((h) => `  - {ip: ${h.ip}, instance_type: node}`).join('\n')}\n`,
    );
    pool = await startPoolService({ poolFile, bind, port: await freePort(), env });
    const ws = path.join(dir, 'ws.yaml');
    await fsp.writeFile(
      ws,
      `workspace_name: ws-dh\nprovider: {type: onpremise, cloud_simulator_address: '${pool.address}'}\n`,
    );
    await cliOk(['workspace', 'create', ws, '-y'], { env });
    cluster = path.join(dir, 'dh.yaml');
    await fsp.writeFile(
      cluster,
      `cluster_name: dh
workspace_name: ws-dh
provider:
  type: onpremise
  cloud_simulator_address: ${pool.address}
auth:
  ssh_user: ubuntu
  ssh_private_key: ${hosts.keyPath}
docker:
  enabled: true
available_node_types:
  head.default:
    node_config: {instance_type: node}
  worker.default:
    min_workers: 2
    node_config: {instance_type: node, data_disks: [${DISK}]}
`,
    );
  }, 900_000);

  afterAll(async () => {
    await cli(['stop', cluster, '-y'], { env }).catch(() => undefined);
    await pool?.kill();
    await hosts?.remove();
  }, 600_000);

  it('installs the engine and sends the image to each host once; every node runs in a container on the host network', async () => {
    const r = await cliOk(['start', cluster, '-y'], { env, timeoutMs: 1_500_000 });
    const out = r.stdout + r.stderr;
    const s = await status();
    expect(s.nodes).toHaveLength(3);
    expect(s.nodes.every((n) => n.status === 'up-to-date')).toBe(true);
    headIp = s.nodes.find((n) => n.kind === 'head')!.ip;
    for (const h of hosts.hosts) {
      expect(out).toContain(`host ${h.ip}: Docker engine installed`);
      expect(out.match(new RegExp(`host ${h.ip.replaceAll('.', '\\.')}: sent image`, 'g'))).toHaveLength(1);
      const [line, ...more] = await containersOn(h);
      expect(more).toEqual([]);
      expect(line).toMatch(new RegExp(`^${CONTAINER} running cloudtik/spark-runtime:`));
      const mode = await hosts.rootShell(h, `docker inspect --format '{{.HostConfig.NetworkMode}}' ${CONTAINER}`);
      expect(mode.stdout.trim()).toBe('host');
    }
    // The runtimes answer at the hosts' own addresses.
    await eventually('2 live DataNodes', 180_000, async () => ((await liveDataNodes(headIp)) === 2 ? 2 : undefined));
    await eventually('2 NodeManagers', 180_000, async () => ((await activeNodeManagers(headIp)) === 2 ? 2 : undefined));
  }, 1_800_000);

  it('runs a PySpark job on YARN through cloudtik submit, with the right answer', async () => {
    const job = path.join(dir, 'job.py');
    await fsp.writeFile(
      job,
      [
        'from pyspark.sql import SparkSession',
        'spark = SparkSession.builder.appName("sum-in-containers").getOrCreate()',
        'total = spark.sparkContext.parallelize(range(1, 100001), 4).sum()',
        'print(f"TOTAL={total} MASTER={spark.sparkContext.master}")',
        'spark.stop()',
      ].join('\n'),
    );
    const r = await cliOk(['submit', cluster, job], { env, timeoutMs: 900_000 });
    expect(r.stdout).toContain('TOTAL=5000050000 MASTER=yarn');
    // The job's files went to HDFS, whose DataNodes keep blocks on the data disk bound into their containers.
    const blocks = await Promise.all(
      hosts.hosts
        .filter((h) => h.ip !== headIp)
        .map(async (h) => (await hosts.rootShell(h, `find ${DISK} -name 'blk_*' | wc -l`)).stdout.trim()),
    );
    expect(
      blocks.some((n) => Number(n) > 0),
      blocks.join(' '),
    ).toBe(true);
  }, 900_000);

  it('stop removes every container and data disk of the cluster and gives the hosts back; the images stay', async () => {
    await cliOk(['stop', cluster, '-y'], { env, timeoutMs: 600_000 });
    const free = JSON.parse((await cliOk(['simulator', 'status', '--json'], { env })).stdout) as {
      free: Record<string, number>;
    };
    expect(free.free.node).toBe(3);
    for (const h of hosts.hosts) {
      expect(await containersOn(h)).toEqual([]);
      const left = await hosts.rootShell(
        h,
        `ls -d /cloudtik/state /var/lib/cloudtik/pool-claim ${DISK} /mnt/cloudtik/data_disk_1 2>/dev/null; true`,
      );
      expect(left.stdout.trim()).toBe('');
      const images = await hosts.rootShell(h, "docker images --format '{{.Repository}}'");
      expect(images.stdout, images.stderr).toContain('cloudtik/spark-runtime');
    }
  }, 900_000);

  it('a second start sends no image and brings every node up again', async () => {
    const r = await cliOk(['start', cluster, '-y'], { env, timeoutMs: 900_000 });
    const out = r.stdout + r.stderr;
    expect(out).not.toMatch(/sent image|Docker engine installed/);
    const s = await status();
    expect(s.nodes).toHaveLength(3);
    expect(s.nodes.every((n) => n.status === 'up-to-date')).toBe(true);
    for (const h of hosts.hosts) expect((await containersOn(h))[0]).toMatch(new RegExp(`^${CONTAINER} running`));
  }, 900_000);
});
