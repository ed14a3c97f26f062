/**
 * The `onpremise` provider over real SSH: five test hosts (plain Debian with sshd and a sudo user,
 * nothing of ours) in one pool, its host-pool service run by this test on the address the hosts
 * reach this machine at, and two clusters in two workspaces sharing the pool. The CLI runs here, as
 * a user's laptop would; the heads' controllers ask the same service for their workers. The test
 * looks at hosts through Docker (processes, faults), which the code under test never does.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliOk, docker, eventually, tempDir, testWorkspace } from './helpers.js';
import { freePort, rawCall, startPoolService, type PoolService } from './pool-service.js';
import { startSshHosts, type SshHost, type SshHosts } from './ssh-hosts.js';

let hosts: SshHosts;
let dir: string;
let pool: PoolService;
let poolFile: string;
let bind: string;
let port: number;
const env: Record<string, string> = {};

interface StatusJson {
  nodes: { id: string; kind: string; ip: string; status: string }[];
  controller: { messages: string[] } | null;
}

interface PoolStatusJson {
  hosts: { name: string; state: string; tags: Record<string, string> }[];
  free: Record<string, number>;
  refused: { instanceType: string; cluster: string }[];
}

const CLUSTER = (name: string, workers: number, address = pool.address): string => `cluster_name: ${name}
workspace_name: ws-${name}
provider:
  type: onpremise
  cloud_simulator_address: ${address}
auth:
  ssh_user: ubuntu
  ssh_private_key: ${hosts.keyPath}
options:
  idle_timeout_minutes: 0.05
available_node_types:
  head.default:
    node_config:
      instance_type: small
  worker.default:
    min_workers: ${workers}
    node_config:
      instance_type: small
runtime:
  types: []
`;

async function file(name: string, text: string): Promise<string> {
  const f = path.join(dir, name);
  await fsp.writeFile(f, text);
  return f;
}

async function status(name: string): Promise<StatusJson> {
  return JSON.parse((await cliOk(['status', path.join(dir, `${name}.yaml`), '--json'], { env })).stdout) as StatusJson;
}

async function poolStatus(): Promise<PoolStatusJson> {
  return JSON.parse((await cliOk(['simulator', 'status', '--json'], { env })).stdout) as PoolStatusJson;
}

/** Which cluster holds each host, from the pool's own view. */
function holders(s: PoolStatusJson): Map<string, string> {
  return new Map(
    s.hosts.filter((h) => h.state === 'running').map((h) => [h.name, h.tags['cloudtik-cluster-name'] ?? '?']),
  );
}

async function ourProcesses(host: SshHost): Promise<string[]> {
  const r = await hosts.rootShell(
    host,
    "ps -eo args= | grep -E 'cloudtik|redis-server|supervise' | grep -v grep || true; ls -d /cloudtik/state 2>/dev/null || true",
  );
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

const upWorkers = (s: StatusJson): StatusJson['nodes'] =>
  s.nodes.filter((n) => n.kind === 'worker' && n.status === 'up-to-date');

describe('onpremise provider: clusters of two workspaces share a pool of SSH hosts', () => {
  beforeAll(async () => {
    dir = await tempDir('onprem');
    env.CLOUDTIK_HOME = path.join(dir, 'home');
    hosts = await startSshHosts(5, 'onprem');
    const network = await docker.getNetwork(testWorkspace('onprem')).inspect();
    bind = network.IPAM?.Config?.[0]?.Gateway ?? '';
    expect(bind).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    port = await freePort();
    poolFile = await file(
      'pool.yaml',
      `instance_types:\n  small: {CPU: 1, memory: 1G}\nnodes:\n${hosts.hosts.map((h) => `  - {ip: ${h.ip}, instance_type: small}`).join('\n')}\n`,
    );
    pool = await startPoolService({ poolFile, bind, port, env });
    for (const name of ['a', 'b']) {
      await file(
        `ws-${name}.yaml`,
        `workspace_name: ws-${name}\nprovider:\n  type: onpremise\n  cloud_simulator_address: ${pool.address}\n`,
      );
    }
  }, 900_000);

  afterAll(async () => {
    for (const name of ['a', 'b'])
      await cli(['stop', path.join(dir, `${name}.yaml`), '-y'], { env }).catch(() => undefined);
    await pool?.kill();
    await hosts?.remove();
  }, 600_000);

  it('refuses a request without the token, and logs why', async () => {
    const r = await rawCall(pool.address, { type: 'list_nodes', args: ['ws-a', {}] });
    expect(r.status).toBe(401);
    expect(JSON.stringify(r.json)).toMatch(/unauthorized/);
    const log = await fsp.readFile(
      path.join(env.CLOUDTIK_HOME!, 'onpremise', 'logs', 'cloudtik-cloud-simulator.log'),
      'utf8',
    );
    expect(log).toMatch(/list_nodes/);
    expect(log).not.toContain(
      (await fsp.readFile(path.join(env.CLOUDTIK_HOME!, 'onpremise', 'cloudtik-cloud-simulator.token'), 'utf8')).trim(),
    );
  });

  it('a cluster naming an instance type the pool lacks is refused, naming both, before anything is made', async () => {
    const bad = await file(
      'bad.yaml',
      CLUSTER('bad', 0).replaceAll('instance_type: small', 'instance_type: my_instance_type'),
    );
    const r = await cli(['start', bad, '-y'], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /bad\.yaml:\d+:\d+ .*instance_type: instance type 'my_instance_type' is not defined in the host pool .*\(it has: small\)/,
    );
    expect(holders(await poolStatus()).size).toBe(0);
  });

  it('starts two clusters in two workspaces at once on separate hosts of the pool', async () => {
    for (const name of ['a', 'b'])
      await cliOk(['workspace', 'create', path.join(dir, `ws-${name}.yaml`), '-y'], { env });
    await file('a.yaml', CLUSTER('a', 1));
    await file('b.yaml', CLUSTER('b', 1));
    await Promise.all(
      ['a', 'b'].map((n) => cliOk(['start', path.join(dir, `${n}.yaml`), '-y'], { env, timeoutMs: 900_000 })),
    );
    const [a, b] = [await status('a'), await status('b')];
    for (const s of [a, b]) {
      expect(s.nodes).toHaveLength(2);
      expect(s.nodes.every((n) => n.status === 'up-to-date')).toBe(true);
    }
    const ipsA = new Set(a.nodes.map((n) => n.ip));
    expect(b.nodes.some((n) => ipsA.has(n.ip))).toBe(false);
    const held = holders(await poolStatus());
    expect([...held.values()].sort()).toEqual(['a', 'a', 'b', 'b']);
    const ws = await cli(['workspace', 'delete', path.join(dir, 'ws-a.yaml'), '-y'], { env });
    expect(ws.code).not.toBe(0);
    expect(ws.stderr).toMatch(/still has 1 cluster\(s\): a/);
  }, 1_200_000);

  it('a host that a second pool lists too is refused when that pool hands it out, and left untouched', async () => {
    const worker = (await status('a')).nodes.find((n) => n.kind === 'worker')!;
    const host = hosts.hosts.find((h) => h.ip === worker.ip)!;
    const home2 = path.join(dir, 'home2');
    const file2 = await file(
      'pool2.yaml',
      `instance_types:\n  small: {CPU: 1, memory: 1G}\nnodes:\n  - {ip: ${worker.ip}, instance_type: small}\n`,
    );
    const pool2 = await startPoolService({
      poolFile: file2,
      bind,
      port: await freePort(),
      env: { CLOUDTIK_HOME: home2 },
    });
    try {
      const token2 = (
        await fsp.readFile(path.join(home2, 'onpremise', 'cloudtik-cloud-simulator.token'), 'utf8')
      ).trim();
      const env2 = { CLOUDTIK_HOME: path.join(dir, 'home3'), CLOUDTIK_SIMULATOR_TOKEN: token2 };
      const ws = await file(
        'ws-c.yaml',
        `workspace_name: ws-c\nprovider: {type: onpremise, cloud_simulator_address: '${pool2.address}'}\n`,
      );
      await cliOk(['workspace', 'create', ws, '-y'], { env: env2 });
      const c = await file('c.yaml', CLUSTER('c', 0, pool2.address));
      const r = await cli(['start', c, '-y'], { env: env2, timeoutMs: 600_000 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(
        `host ${worker.ip} is in two host pools: the pool at ${pool2.address} gave it to ws-c/c, but cluster ws-a/a of the pool at ${pool.address} holds it`,
      );
      expect((await ourProcesses(host)).some((p) => p.includes('node run agent'))).toBe(true);
      const s = await rawCall(pool2.address, { type: 'status', args: [] }, token2);
      expect((s.json as PoolStatusJson).hosts.map((h) => h.state)).toEqual(['terminated']);
    } finally {
      await pool2.kill();
    }
    expect(upWorkers(await status('a')).map((n) => n.ip)).toContain(worker.ip);
  }, 900_000);

  it('scaling past the pool is said loudly; a restarted service hands out nothing twice', async () => {
    await cliOk(['scale', path.join(dir, 'a.yaml'), '--workers', '3', '--no-wait'], { env });
    const dry = await eventually(
      'the pool dry and the launch refused',
      600_000,
      async () => {
        const s = await poolStatus();
        return s.free.small === 0 && s.refused.some((r) => r.instanceType === 'small' && r.cluster === 'a')
          ? s
          : undefined;
      },
      { everyMs: 3000 },
    );
    const before = holders(dry);
    expect([...before.values()].filter((c) => c === 'a')).toHaveLength(3);
    const said = await cliOk(['simulator', 'status'], { env });
    expect(said.stdout).toMatch(/no free host of type small/i);
    await eventually(
      'the controller saying the pool has no free host',
      300_000,
      async () => {
        const s = await status('a');
        return s.controller?.messages.some((m) => /no free host/.test(m)) ? true : undefined;
      },
      { everyMs: 3000 },
    );
    await pool.kill();
    pool = await startPoolService({ poolFile, bind, port, env });
    expect(holders(await poolStatus())).toEqual(before);
  }, 1_200_000);

  it('stopping the other cluster gives its hosts back, and the first one gets what it asked for', async () => {
    const bHosts = (await status('b')).nodes.map((n) => n.ip);
    await cliOk(['stop', path.join(dir, 'b.yaml'), '-y'], { env, timeoutMs: 600_000 });
    const a = await eventually(
      'cluster a with 3 workers up',
      900_000,
      async () => {
        const s = await status('a');
        return upWorkers(s).length === 3 ? s : undefined;
      },
      { everyMs: 5000 },
    );
    const held = holders(await poolStatus());
    expect([...held.values()].sort()).toEqual(['a', 'a', 'a', 'a']);
    const free = bHosts.filter((ip) => !a.nodes.some((n) => n.ip === ip));
    expect(free).toHaveLength(1);
    expect(await ourProcesses(hosts.hosts.find((h) => h.ip === free[0])!)).toEqual([]);
    await cliOk(['workspace', 'delete', path.join(dir, 'ws-b.yaml'), '-y'], { env });
  }, 1_500_000);

  it('a worker host that died (every process, sshd too) is given back marked and replaced by the free one', async () => {
    const worker = upWorkers(await status('a'))[0]!;
    const host = hosts.hosts.find((h) => h.ip === worker.ip)!;
    // Every process but the host's init ends, as in a crash: the node's services, sshd and the
    // controller's shared connection with it. The host refuses SSH until sshd is started again.
    await hosts.rootShell(host, 'kill -KILL -1; true');
    try {
      await eventually(
        '3 workers up again, none on the silent host',
        900_000,
        async () => {
          const s = await status('a');
          const up = upWorkers(s);
          return up.length === 3 && !s.nodes.some((n) => n.ip === worker.ip) ? s : undefined;
        },
        { everyMs: 5000 },
      );
      const s = await poolStatus();
      expect(s.hosts.find((h) => h.name === worker.ip)?.state).toBe('terminated');
    } finally {
      await hosts.rootShell(host, 'mkdir -p /run/sshd && /usr/sbin/sshd');
    }
  }, 1_200_000);

  it('stop gives every host back with nothing of ours left on it', async () => {
    const stopped = await cliOk(['stop', path.join(dir, 'a.yaml'), '-y'], { env, timeoutMs: 600_000 });
    expect(holders(await poolStatus()).size).toBe(0);
    const leftovers = async (): Promise<string[]> =>
      (await Promise.all(hosts.hosts.map(async (h) => (await ourProcesses(h)).map((p) => `${h.ip}: ${p}`)))).flat();
    expect(stopped.stderr + stopped.stdout).not.toMatch(/still does not answer/);
    expect(await leftovers()).toEqual([]);
    await cliOk(['workspace', 'delete', path.join(dir, 'ws-a.yaml'), '-y'], { env });
  }, 900_000);
});
