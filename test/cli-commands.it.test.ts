/**
 * The commands that look into a running cluster, on one real virtual cluster (a head and one
 * worker, running Spark on YARN) shared by every case: head-host/worker-hosts, process-status, logs (shown and
 * followed), resource-metrics, health-check (healthy, then a worker's agent killed), cluster-dump
 * (every node's logs in the archive, no secret), start-proxy/stop-proxy (curl through it), run,
 * and workspace status|clusters|update.
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../src/providers/virtual/engine.js';
import {
  cli,
  CLI,
  cliOk,
  createTestWorkspace,
  eventually,
  execInContainer,
  runProgram,
  sweepWorkspace,
  tempDir,
  testClusterYaml,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('cmds');
const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' });
const names = ['--workspace-name', ws];
/** A secret the cluster's config carries, copied by the test into a node's log and a runtime config. */
const TOKEN = 'tok-7Hq2Wm9xZc4VbN';
const DB_PASSWORD = 'dbpw-Kp3Lr8TqYv';
/** A runtime password kept on a node (~/runtime/secrets), which a log then repeats. */
const KEPT_PASSWORD = 'kept-Vw5Xs2Nd8Jq';
let dir: string;
let wsFile: string;
let file: string;
let head: { id: string; ip: string };
let worker: { id: string; ip: string };

interface ProcessJson {
  node: string;
  runtime: string;
  service: string;
  state: string;
  pid?: number;
}

/** The head's state store password, from the config its Redis runs with. */
async function redisPassword(): Promise<string> {
  const r = await cliOk(['exec', file, "sed -n 's/^requirepass //p' ~/runtime/cloudtik/redis/redis.conf", ...names]);
  const pw = r.stdout.trim();
  expect(pw.length).toBeGreaterThan(10);
  return pw;
}

async function json<T>(args: string[]): Promise<T> {
  return JSON.parse((await cliOk([...args, file, '--json', ...names])).stdout) as T;
}

beforeAll(async () => {
  dir = await tempDir('cmds');
  wsFile = await createTestWorkspace(dir, ws);
  file = await writeFile(
    dir,
    'cmds.yaml',
    testClusterYaml({
      cluster: 'cmds',
      workspace: ws,
      runtime: { types: ['spark'], envs: { MY_API_TOKEN: TOKEN } },
      head: { cpu: 1, memory: '2G' },
      worker: { cpu: 1, memory: '2G', min: 1 },
    }),
  );
  await cliOk(['start', file, '-y', ...names]);
  await cliOk(['wait-for-ready', file, '--timeout', '120', ...names]);
  const status = await json<{ nodes: { id: string; kind: string; ip: string }[] }>(['status']);
  head = status.nodes.find((n) => n.kind === 'head') as typeof head;
  worker = status.nodes.find((n) => n.kind === 'worker') as typeof worker;
}, 300_000);

afterAll(async () => {
  await cli(['stop-proxy', file, ...names]);
  await cli(['stop', file, '-y', '--hard', ...names]);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
}, 120_000);

describe('hosts', () => {
  it('head-host and worker-hosts give the names the nodes resolve each other by', async () => {
    expect((await cliOk(['head-host', file, ...names])).stdout.trim()).toBe(head.id);
    expect((await cliOk(['worker-hosts', file, ...names])).stdout.trim()).toBe(worker.id);
    const resolved = await cliOk(['exec', file, `getent hosts ${worker.id}`, ...names]);
    expect(resolved.stdout).toContain(worker.ip);
    const h = await json<{ headHost: string; headIp: string }>(['head-host']);
    expect(h).toMatchObject({ cluster: 'cmds', headHost: head.id, headIp: head.ip });
    expect((await cliOk(['worker-hosts', file, '--node-status', 'setting-up', ...names])).stdout.trim()).toBe('');
  });
});

describe('process-status', () => {
  it('lists the node services of every node with their pids', async () => {
    const { processes } = await json<{ processes: ProcessJson[] }>(['process-status']);
    const running = processes.filter((p) => p.state === 'running').map((p) => `${p.node}/${p.service}`);
    expect(running.sort()).toEqual(
      [
        `${head.id}/state`,
        `${head.id}/agent`,
        `${head.id}/controller`,
        `${head.id}/jobs`,
        `${head.id}/yarn-resourcemanager`,
        `${head.id}/spark-history`,
        `${worker.id}/agent`,
        `${worker.id}/yarn-nodemanager`,
      ].sort(),
    );
    for (const p of processes) expect(p.pid).toBeGreaterThan(1);
    const text = (await cliOk(['process-status', file, ...names])).stdout;
    expect(text).toMatch(new RegExp(`${worker.ip.replaceAll('.', '\\.')}\\s+worker\\s+cloudtik\\s+agent\\s+running`));
  });
});

describe('logs', () => {
  it("shows the worker agent's log by node IP and the controller's by runtime and node type", async () => {
    const w = await cliOk(['logs', file, '--node-ips', worker.ip, ...names]);
    expect(w.stdout).toContain(`==> ${worker.id} (${worker.ip}) agent.log <==`);
    expect(w.stdout).toContain('node agent started');
    expect(w.stdout).not.toContain(`==> ${head.id}`);
    const c = await cliOk(['logs', file, '--runtimes', 'cloudtik', '--node-types', 'head.default', ...names]);
    expect(c.stdout).toContain('controller.log <==');
    expect(c.stdout).toContain('loaded cluster config');
    const y = await cliOk(['logs', file, '--runtime', 'yarn', '--node-ip', worker.ip, '--tail', '1000', ...names]);
    expect(y.stdout).toContain('yarn-nodemanager.log <==');
    expect(y.stdout).toMatch(/NodeManager/);
    expect(y.stdout).not.toContain('agent.log');
    const bad = await cli(['logs', file, '--runtimes', 'flink', ...names]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('no runtime flink in this cluster');
  });

  it('follows a log until interrupted', async () => {
    const child = spawn(process.execPath, [CLI, 'logs', file, '-f', '--tail', '0', '--node-ips', worker.ip, ...names], {
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const marker = `followed-line-${Date.now()}`;
      await eventually('the followed line', 30_000, async () => {
        await cliOk([
          'exec',
          file,
          `echo ${marker} >> ~/runtime/cloudtik/logs/agent.log`,
          '--node-ip',
          worker.ip,
          ...names,
        ]);
        return out.includes(`${worker.ip} agent | ${marker}`) || undefined;
      });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});

describe('resource-metrics', () => {
  it("reports each node's CPU and memory from fresh heartbeats", async () => {
    const m = await json<{
      nodes: { node: string; cpus: number; memoryUsed: number; memoryTotal: number; stale: boolean }[];
      total: { cpus: number; memoryUsed: number };
    }>(['resource-metrics']);
    expect(m.nodes.map((n) => n.node).sort()).toEqual([head.id, worker.id].sort());
    for (const n of m.nodes) {
      expect(n).toMatchObject({ cpus: 1, stale: false });
      expect(n.memoryUsed).toBeGreaterThan(0);
      expect(n.memoryTotal).toBe(2 * 2 ** 30);
    }
    expect(m.total.cpus).toBe(2);
  });
});

describe('health-check', () => {
  it("passes on a healthy cluster, fails naming the worker's agent once it is killed, passes again after", async () => {
    const ok = await cliOk(['health-check', file, ...names]);
    expect(ok.stdout).toMatch(/Cluster cmds is healthy: \d+ checks on 2 node\(s\) passed/);
    // The agent and its supervisor together, as a crash of both would leave them.
    const container = engine.getContainer(worker.id);
    const kill = await execInContainer(
      container,
      ['bash', '-c', 'kill -9 -- -"$(cut -d" " -f1 /home/*/runtime/cloudtik/run/agent.pid)"'],
      { user: 'root' },
    );
    expect(kill.code, kill.stderr).toBe(0);
    const failed = await cli(['health-check', file, ...names]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`${worker.id} (${worker.ip}) agent: not running`);
    expect(failed.stdout).not.toContain(`${head.id} (${head.ip}) agent`);
    const details = await cli(['health-check', file, '--json', ...names]);
    const data = JSON.parse(details.stdout) as { healthy: boolean; failed: { node: string; component: string }[] };
    expect(data.healthy).toBe(false);
    expect(data.failed).toContainEqual(expect.objectContaining({ node: worker.id, component: 'agent' }));
    const restart = `CLOUDTIK_REDIS_PASSWORD=${await redisPassword()} cloudtik node start`;
    await cliOk(['exec', file, restart, '--node-ip', worker.ip, ...names]);
    await eventually('the cluster healthy again', 30_000, async () => {
      const r = await cli(['health-check', file, ...names]);
      return r.code === 0 || undefined;
    });
  });
});

describe('cluster-dump', () => {
  it("archives every node's logs and configs with no secret in them", async () => {
    // A runtime config and a log line that carry secrets, as a careless runtime might leave them.
    await cliOk([
      'exec',
      file,
      `mkdir -p ~/runtime/myapp/conf && printf 'db.user=app\\ndb.password=${DB_PASSWORD}\\n' > ~/runtime/myapp/conf/app.properties && echo "calling the API with $MY_API_TOKEN" >> ~/runtime/cloudtik/logs/agent.log && mkdir -p ~/runtime/secrets && echo ${KEPT_PASSWORD} > ~/runtime/secrets/mysql-root && echo "mysql root is ${KEPT_PASSWORD} now" >> ~/runtime/cloudtik/logs/agent.log`,
      '--node-ip',
      worker.ip,
      ...names,
    ]);
    const archive = path.join(dir, 'dump.tar.gz');
    const r = await cliOk(['cluster-dump', file, '-o', archive, ...names]);
    expect(r.stdout).toContain(`Wrote ${archive}: 2 node(s)`);
    const out = path.join(dir, 'dump');
    await fsp.mkdir(out);
    expect((await runProgram('tar', ['-xzf', archive, '-C', out])).code).toBe(0);
    const [top] = await fsp.readdir(out);
    const root = path.join(out, top ?? '');
    const files = (await fsp.readdir(root, { recursive: true })).map(String);
    for (const f of [
      `head-${head.ip}/logs/controller.log`,
      `head-${head.ip}/logs/agent.log`,
      `head-${head.ip}/conf/cloudtik/redis/redis.conf`,
      `head-${head.ip}/processes.txt`,
      `worker-${worker.ip}/logs/agent.log`,
      `worker-${worker.ip}/conf/myapp/conf/app.properties`,
      'cluster-config.json',
      'nodes.json',
      'controller-status.json',
    ])
      expect(files).toContain(f);
    const password = await redisPassword();
    for (const f of files) {
      const full = path.join(root, f);
      if (!(await fsp.stat(full)).isFile()) continue;
      const text = await fsp.readFile(full, 'utf8');
      for (const secret of [TOKEN, DB_PASSWORD, KEPT_PASSWORD, password]) expect(text, f).not.toContain(secret);
    }
    const read = (f: string): Promise<string> => fsp.readFile(path.join(root, f), 'utf8');
    expect(await read(`head-${head.ip}/conf/cloudtik/redis/redis.conf`)).toContain('requirepass ******');
    expect(await read(`worker-${worker.ip}/conf/myapp/conf/app.properties`)).toContain(
      'db.user=app\ndb.password=******',
    );
    expect(await read(`worker-${worker.ip}/logs/agent.log`)).toContain('calling the API with ******');
    expect(await read(`worker-${worker.ip}/logs/agent.log`)).toContain('mysql root is ****** now');
    expect(files.filter((f) => f.includes('secrets'))).toEqual([]);
  });
});

describe('start-proxy and stop-proxy', () => {
  it('carries curl to a web server on the head, and is gone after stop-proxy', async () => {
    await cliOk([
      'exec',
      file,
      `nohup node -e "require('http').createServer((q, s) => s.end('hello from ' + require('os').hostname())).listen(8089)" >/dev/null 2>&1 &`,
      ...names,
    ]);
    const started = await json<{ pid: number; port: number; bindAddress: string; started: boolean }>(['start-proxy']);
    expect(started).toMatchObject({ started: true, bindAddress: '127.0.0.1' });
    const again = await json<{ pid: number; started: boolean }>(['start-proxy']);
    expect(again).toMatchObject({ started: false, pid: started.pid });
    const proxy = `127.0.0.1:${started.port}`;
    // The head's name is resolved on the head: this machine does not know it.
    const body = await eventually('the web server through the proxy', 20_000, async () => {
      const r = await runProgram('curl', [
        '-sS',
        '--max-time',
        '10',
        '--socks5-hostname',
        proxy,
        `http://${head.id}:8089/`,
      ]);
      return r.code === 0 ? r.stdout : undefined;
    });
    expect(body).toBe(`hello from ${head.id}`);
    const refused = await runProgram('curl', [
      '-sS',
      '--max-time',
      '10',
      '--socks5',
      proxy,
      `http://${worker.ip}:8089/`,
    ]);
    expect(refused.code).toBe(97);
    const stopped = await cliOk(['stop-proxy', file, ...names]);
    expect(stopped.stdout).toContain(`(pid ${started.pid}, port ${started.port})`);
    expect(() => process.kill(started.pid, 0)).toThrow();
    const after = await runProgram('curl', ['-sS', '--max-time', '5', '--socks5', proxy, `http://${head.ip}:8089/`]);
    expect(after.code).not.toBe(0);
    expect((await cliOk(['stop-proxy', file, ...names])).stdout).toContain(
      'No SOCKS5 proxy of cluster cmds is running',
    );
  });

  it('fails at once, with the reason, when it cannot listen', async () => {
    const started = Date.now();
    const r = await cli(['start-proxy', file, '--bind-address', '203.0.113.7', '--port', '6999', ...names]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('the proxy process exited at start');
    expect(r.stderr).toContain('EADDRNOTAVAIL');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await cliOk(['stop-proxy', file, ...names])).stdout).toContain('No SOCKS5 proxy');
  });
});

describe('runtime command groups', () => {
  it("asks YARN's and Spark's REST APIs on the head", async () => {
    const metrics = await eventually('one NodeManager in YARN', 90_000, async () => {
      const m = await json<{ clusterMetrics: { activeNodes: number } }>(['yarn', 'rest']);
      return m.clusterMetrics.activeNodes === 1 ? m : undefined;
    });
    expect(metrics.clusterMetrics.activeNodes).toBe(1);
    const nodes = await json<{ nodes: { node: { nodeHostName: string }[] } }>([
      'yarn',
      'rest',
      '--endpoint',
      'cluster/nodes',
    ]);
    expect(nodes.nodes.node).toHaveLength(1);
    const apps = await eventually('the history server', 60_000, async () => {
      const r = await cli(['spark', 'applications', file, '--json', ...names]);
      return r.code === 0 ? (JSON.parse(r.stdout) as unknown[]) : undefined;
    });
    expect(Array.isArray(apps)).toBe(true);
    // No HDFS in this cluster: no default storage (jobs use the local file system), so nothing is printed.
    expect((await cliOk(['spark', 'info', file, '--default-storage', ...names])).stdout.trim()).toBe('');
  });
});

describe('run', () => {
  it('runs a built-in script of the package on the head', async () => {
    const r = await cliOk(['run', file, 'bin/cloudtik.js', '--version', ...names]);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bad = await cli(['run', file, 'no/such.sh', ...names]);
    expect(bad.code).toBe(127);
    expect(bad.stderr).toContain('no built-in script no/such.sh');
  });
});

describe('workspace status, clusters and update', () => {
  it('shows the workspace ready with the cluster in it, and updates it in place', async () => {
    expect((await cliOk(['workspace', 'status', wsFile])).stdout).toContain(`Workspace ${ws}: READY`);
    const clusters = JSON.parse((await cliOk(['workspace', 'clusters', wsFile, '--json'])).stdout) as {
      clusters: { cluster: string; head: number; workers: number }[];
    };
    expect(clusters.clusters).toEqual([expect.objectContaining({ cluster: 'cmds', head: 1, workers: 1 })]);
    expect((await cliOk(['workspace', 'update', wsFile])).stdout).toContain(`Workspace ${ws} is up to date`);
    const missing = await writeFile(dir, 'missing.yaml', `workspace_name: ${ws}-none\nprovider:\n  type: virtual\n`);
    expect((await cliOk(['workspace', 'status', missing])).stdout).toContain('NONE');
    const update = await cli(['workspace', 'update', missing]);
    expect(update.code).not.toBe(0);
    expect(update.stderr).toContain('does not exist');
  });

  it('lists no managed storages or databases, and refuses to make one on this provider', async () => {
    const listed = JSON.parse((await cliOk(['workspace', 'storages', wsFile, '--json'])).stdout) as { storages: [] };
    expect(listed.storages).toEqual([]);
    const storage = await writeFile(dir, 'storage.yaml', 'storage_name: s1\nprovider:\n  type: virtual\n');
    const r = await cli(['storage', 'create', storage, '-y']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('provider virtual has no managed cloud storage');
  });
});
