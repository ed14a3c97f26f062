/**
 * The host-pool service (`cloudtik simulator`) as users run it: the built CLI in the foreground,
 * called over HTTP by several clients at once, killed and started again, reloaded, stopped.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudtikError } from '../src/core/errors.js';
import { PoolCallError, PoolClient } from '../src/providers/onpremise/client.js';
import type { poolStatusJson } from '../src/cli/commands/simulator/simulator.js';
import { cli, tempDir, writeFile } from './helpers.js';
import { freePort, startPoolService, type PoolService } from './pool-service.js';

const CLUSTER = 'cloudtik-cluster-name';
const WORKSPACE = 'cloudtik-workspace-name';

function poolFile(hosts: Array<[string, string]>): string {
  const lines = hosts.map(([ip, type]) => `  - {ip: ${ip}, instance_type: ${type}}`);
  return `instance_types:\n  small: {CPU: 2, memory: 4G}\n  big: {CPU: 8, memory: 32G}\nnodes:\n${lines.join('\n')}\n`;
}

const SMALL: Array<[string, string]> = [
  ['10.9.0.1', 'small'],
  ['10.9.0.2', 'small'],
  ['10.9.0.3', 'small'],
];

/** One client's holding of a host: from the answer to its launch to the sending of its release. */
type Held = [host: string, from: number, to: number];

/** Pairs of holdings of one host that overlap in time (two clients holding it at once). */
function overlaps(holdings: Held[]): Array<[Held, Held]> {
  const byHost = new Map<string, Held[]>();
  for (const h of holdings) byHost.set(h[0], [...(byHost.get(h[0]) ?? []), h]);
  const found: Array<[Held, Held]> = [];
  for (const list of byHost.values()) {
    list.sort((a, b) => a[1] - b[1]);
    for (let i = 1; i < list.length; i++) if (list[i]![1] < list[i - 1]![2]) found.push([list[i - 1]!, list[i]!]);
  }
  return found;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether an error says the service did not answer (it is down, being restarted): no refusal of its own. */
function down(err: unknown): boolean {
  return !(err instanceof PoolCallError);
}

/** `call` until the service answers it. */
async function persist<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!down(err)) throw err;
      await sleep(50);
    }
  }
}

/**
 * `rounds` launches of one host for `cluster`, each given back after a moment. After a launch
 * whose answer was lost (the service died), the cluster's hosts are listed before launching again:
 * the service may have given one before it died.
 */
async function worker(client: PoolClient, cluster: string, rounds: number, done: { rounds: number }): Promise<Held[]> {
  const held: Held[] = [];
  const tags = { [CLUSTER]: cluster, [WORKSPACE]: 'ws' };
  let uncertain = false;
  for (let round = 0; round < rounds;) {
    let ids: string[] = [];
    if (uncertain) ids = (await persist(() => client.call('list_nodes', 'ws', tags))).map((h) => h.name);
    uncertain = false;
    try {
      if (ids.length === 0) ids = await client.call('create_node', { instance_type: 'small' }, tags, 1);
    } catch (err) {
      if (down(err)) uncertain = true;
      else if ((err as CloudtikError).code !== 'ERR_CLOUDTIK_CAPACITY') throw err;
      await sleep(uncertain ? 50 : 2);
      continue;
    }
    const from = performance.now();
    await sleep(Math.random() * 3);
    const to = performance.now();
    await persist(() => client.call('terminate_nodes', ids, { cluster, workspace: 'ws' }));
    for (const id of ids) held.push([id, from, to]);
    round++;
    done.rounds++;
  }
  return held;
}

async function readToken(home: string): Promise<string> {
  return (await fsp.readFile(path.join(home, 'onpremise', 'cloudtik-cloud-simulator.token'), 'utf8')).trim();
}

describe('cloudtik simulator', () => {
  let home: string;
  let file: string;
  let port: number;
  let address: string;
  let service: PoolService;
  let client: PoolClient;
  const env = (): Record<string, string> => ({ CLOUDTIK_HOME: home });

  beforeAll(async () => {
    home = await tempDir('simulator');
    file = await writeFile(home, 'pool.yaml', poolFile([...SMALL, ['10.9.0.9', 'big']]));
    port = await freePort();
    address = `127.0.0.1:${port}`;
    service = await startPoolService({ poolFile: file, port, env: { CLOUDTIK_HOME: home } });
    client = new PoolClient(address, await readToken(home), { timeoutMs: 5000 });
  });

  afterAll(async () => {
    client?.close();
    if (service?.child.exitCode === null) service.child.kill('SIGKILL');
    await fsp.rm(home, { recursive: true, force: true });
  });

  it('says where it listens, how many hosts, and where the token is, never the token', async () => {
    const token = await readToken(home);
    expect(service.stdout()).toContain(
      `host-pool service at 127.0.0.1:${port} (pid ${service.child.pid}): 4 host(s) of 2 instance type(s)`,
    );
    expect(service.stdout()).toContain(path.join(home, 'onpremise', 'cloudtik-cloud-simulator.token'));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(service.stdout() + service.stderr()).not.toContain(token);
    const mode = (await fsp.stat(path.join(home, 'onpremise', 'cloudtik-cloud-simulator.token'))).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('refuses a request without the token (401) and logs why, from where, for which method', async () => {
    const res = await fetch(`http://${address}/anything`, {
      method: 'POST',
      body: JSON.stringify({ type: 'list_workspaces', args: [] }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'no Authorization header' } });
    const log = await fsp.readFile(path.join(home, 'onpremise', 'logs', 'cloudtik-cloud-simulator.log'), 'utf8');
    expect(log).toContain('refused 401 unauthorized: no Authorization header (method list_workspaces, from 127.0.0.1)');
    expect(service.stderr()).toContain('refused 401 unauthorized: no Authorization header');
    const wrong = await new PoolClient(address, 'not-the-token').call('status').catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'ERR_CLOUDTIK_CONFIG' });
  });

  it('refuses an unknown method (400)', async () => {
    const res = await fetch(`http://${address}/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await readToken(home)}` },
      body: JSON.stringify({ type: '_list_nodes', args: [] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toContain("unknown method '_list_nodes'");
  });

  it('refuses a second service on the same state folder, naming the running one', async () => {
    const r = await cli(['simulator', file, '--port', String(await freePort())], { env: env() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `a host-pool service already runs on this state folder: pid ${service.child.pid} at ${address}`,
    );
  });

  it('never gives one host to two clients, across a kill and a restart; the state survives', async () => {
    await client.call('create_workspace', 'ws');
    const keep = await client.call(
      'create_node',
      { instance_type: 'big' },
      { [CLUSTER]: 'keep', [WORKSPACE]: 'ws' },
      1,
    );
    const token = await readToken(home);
    const clients = Array.from({ length: 4 }, () => new PoolClient(address, token, { timeoutMs: 5000 }));
    const done = { rounds: 0 };
    const runs = clients.map((c, i) => worker(c, `c${i}`, 60, done));
    while (done.rounds < 60) await sleep(5);
    service.child.kill('SIGKILL');
    const atKill = done.rounds;
    await service.exited;
    await sleep(200);
    service = await startPoolService({ poolFile: file, port, env: { CLOUDTIK_HOME: home } });
    const holdings = (await Promise.all(runs)).flat();
    for (const c of clients) c.close();
    expect(atKill).toBeLessThan(200); // the service died mid-way
    expect(holdings.length).toBe(240);
    expect(overlaps(holdings)).toEqual([]);
    expect(new Set(holdings.map((h) => h[0]))).toEqual(new Set(SMALL.map(([ip]) => ip)));
    const status = await client.call('status');
    expect(status.workspaces).toEqual(['ws']);
    expect(status.free).toEqual({ small: 3, big: 0 });
    expect(await client.call('list_nodes', 'ws', { [CLUSTER]: 'keep' })).toMatchObject([{ name: keep[0] }]);
  });

  it('hands out a host added to the pool file after a reload', async () => {
    const big = { instance_type: 'big' };
    const tags = { [CLUSTER]: 'more', [WORKSPACE]: 'ws' };
    await expect(client.call('create_node', big, tags, 1)).rejects.toMatchObject({ code: 'ERR_CLOUDTIK_CAPACITY' });
    await fsp.writeFile(file, poolFile([...SMALL, ['10.9.0.9', 'big'], ['10.9.0.10', 'big']]));
    const r = await cli(['simulator', '--reload', file], { env: env() });
    expect(r.stdout).toContain(`reloaded the pool at ${address}: 5 host(s) of 2 instance type(s)`);
    expect(r.code).toBe(0);
    expect(await client.call('create_node', big, tags, 1)).toEqual(['10.9.0.10']);
  });

  it('shows the pool and the refused launches with status --json, and loudly in the table', async () => {
    const refused = await client
      .call('create_node', { instance_type: 'big' }, { [CLUSTER]: 'greedy', [WORKSPACE]: 'ws' }, 3)
      .catch((e: unknown) => e as CloudtikError);
    expect((refused as CloudtikError).message).toBe(
      "no free host of instance type 'big': 3 asked for, 0 free (2 in the pool, 2 in use by clusters keep/ws, more/ws)",
    );
    const r = await cli(['simulator', 'status', '--json'], { env: env() });
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as ReturnType<typeof poolStatusJson>;
    expect(status.address).toBe(address);
    expect(status.config).toBe(file);
    expect(status.hosts.map((h) => h.name)).toEqual(['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.9', '10.9.0.10']);
    expect(status.free).toEqual({ small: 3, big: 0 });
    expect(status.refused.at(-1)).toMatchObject({ instanceType: 'big', count: 3, free: 0, cluster: 'greedy' });
    const text = await cli(['simulator', 'status'], { env: env() });
    expect(text.stdout).toMatch(/HOST\s+TYPE\s+STATE\s+WORKSPACE\s+CLUSTER\s+KIND/);
    expect(text.stdout).toMatch(/10\.9\.0\.9\s+big\s+in use\s+ws\s+keep/);
    expect(text.stdout).toContain('small: 3/3 free');
    expect(text.stdout).toContain('NO FREE HOST OF TYPE big');
    expect(service.stderr()).toContain("LAUNCH REFUSED 409 no_capacity: no free host of instance type 'big'");
  });

  it('stops on --shutdown and removes its process file', async () => {
    const processFile = path.join(home, 'onpremise', 'cloudtik-cloud-simulator.process');
    await fsp.access(processFile);
    const r = await cli(['simulator', '--shutdown'], { env: env() });
    expect(r.stdout).toContain(`the host-pool service at ${address} stopped`);
    expect(await service.exited).toBe(0);
    await expect(fsp.access(processFile)).rejects.toThrow();
    const again = await cli(['simulator', '--shutdown'], { env: env() });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('no host-pool service runs on this machine');
    const named = await cli(['simulator', 'status', '--port', String(port)], { env: env() });
    expect(named.code).not.toBe(0);
    expect(named.stderr).toContain(`no host-pool service answers at ${address}`);
  });

  it("accepts CloudTik's example pool file, gives a head the host with an external address, stops on SIGTERM", async () => {
    const exampleHome = await tempDir('simulator-example');
    try {
      const example = await writeFile(
        exampleHome,
        'example.yaml',
        [
          '# Cloud simulator config: the instance types and the hosts of the pool',
          'instance_types:',
          '    your_instance_type:',
          '        CPU: 4',
          '        memory: 8G',
          'nodes:',
          '    - ip: 10.8.0.1',
          '      instance_type: your_instance_type',
          '    - ip: 10.8.0.2',
          '      external_ip: 192.0.2.2',
          '      instance_type: your_instance_type',
          '',
        ].join('\n'),
      );
      const examplePort = await freePort();
      const svc = await startPoolService({ poolFile: example, port: examplePort, env: { CLOUDTIK_HOME: exampleHome } });
      const c = new PoolClient(`127.0.0.1:${examplePort}`, await readToken(exampleHome));
      await c.call('create_workspace', 'default');
      const head = { [CLUSTER]: 'x', [WORKSPACE]: 'default', 'cloudtik-node-kind': 'head' };
      expect(await c.call('create_node', { instance_type: 'your_instance_type' }, head, 1)).toEqual(['10.8.0.2']);
      expect(await c.call('get_instance_types')).toEqual({ your_instance_type: { CPU: 4, memory: '8G' } });
      c.close();
      // SIGTERM stops it cleanly: exit 0, its process file removed.
      svc.child.kill('SIGTERM');
      expect(await svc.exited).toBe(0);
      await expect(
        fsp.access(path.join(exampleHome, 'onpremise', 'cloudtik-cloud-simulator.process')),
      ).rejects.toThrow();
    } finally {
      await fsp.rm(exampleHome, { recursive: true, force: true });
    }
  });
});
