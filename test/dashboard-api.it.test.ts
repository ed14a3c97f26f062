/**
 * The dashboard's API on a real virtual cluster (1 head + 1 worker, no runtime: shell jobs only),
 * with the real backend: the app listens on a loopback port and is read through `inject()` and,
 * for the event stream, a real connection. It lists the cluster, shows its nodes with heartbeat
 * ages and the controller's targets, runs a job and streams its log to the end, cancels a running
 * job, scales out, kills a worker and sees its replacement, and stops the cluster; each action
 * shows as `action` events. Nothing it sends holds the state store's password, and when the page
 * leaves, the reader and its connections to the head are gone. Then the real `cloudtik dashboard`
 * command: its URL, 401 without the token, SIGINT ends it with 0.
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../src/dashboard/server/app.js';
import { CoreBackend } from '../src/dashboard/server/core-backend.js';
import { newToken } from '../src/dashboard/server/security.js';
import type {
  ActionAccepted,
  ActionEvent,
  ClustersResponse,
  ClusterView,
  DashboardStreamEvent,
  JobsResponse,
} from '../src/dashboard/contract.js';
import { readSecrets } from '../src/core/cluster/bootstrap.js';
import { clusterStateDir } from '../src/core/cluster/context.js';
import type { JobRecord } from '../src/core/jobs/model.js';
import { DockerEngine } from '../src/providers/virtual/engine.js';
import {
  CLI,
  cli,
  docker,
  eventually,
  execInContainer,
  sweepWorkspace,
  tempDir,
  testWorkspace,
  writeBareDashboardCluster,
} from './helpers.js';

const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' });
const ws = testWorkspace('dashapi');
const CLUSTER = 'dash';
const token = newToken();
let dir: string;
let file: string;
let app: FastifyInstance;
let host: string;
let base: string;
let C: string;
/** Every body and stream text the dashboard sent, to look for secrets in the end. */
const sent: string[] = [];

async function call(method: 'GET' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse> {
  const r = await app.inject({
    method,
    url,
    headers: { host, authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
  sent.push(r.body);
  return r;
}

async function getJson<T>(url: string): Promise<T> {
  const r = await call('GET', url);
  expect(r.statusCode, r.body).toBe(200);
  return r.json<T>();
}

async function act(url: string, payload?: object): Promise<ActionAccepted> {
  const r = await call('POST', url, payload);
  expect(r.statusCode, r.body).toBe(202);
  return r.json<ActionAccepted>();
}

/** A page's view of the cluster's event stream, over a real connection. */
interface Listener {
  events: DashboardStreamEvent[];
  close(): void;
}

function listen(): Listener {
  const abort = new AbortController();
  const events: DashboardStreamEvent[] = [];
  void (async () => {
    const res = await fetch(`${base}${C}/events?token=${token}`, { signal: abort.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = (await reader.read()) as { value?: Uint8Array; done: boolean };
      if (done) return;
      const text = decoder.decode(value, { stream: true });
      sent.push(text);
      buf += text;
      const frames = buf.split('\n\n');
      buf = frames.pop() ?? '';
      for (const f of frames) {
        const m = /^event: (\w+)\ndata: (.*)$/s.exec(f);
        if (m) events.push({ event: m[1], data: JSON.parse(m[2]!) as unknown } as DashboardStreamEvent);
      }
    }
  })().catch(() => undefined);
  return { events, close: () => abort.abort() };
}

let page: Listener;

/** How `action` ended for this action id, as the stream said. */
async function actionEnd(accepted: ActionAccepted, ms = 120_000): Promise<ActionEvent> {
  const mine = (): ActionEvent[] =>
    page.events.flatMap((e) => (e.event === 'action' && e.data.actionId === accepted.actionId ? [e.data] : []));
  const end = await eventually(`action "${accepted.title}" to end`, ms, async () =>
    Promise.resolve(mine().find((a) => a.state !== 'start')),
  );
  expect(mine()[0]?.state).toBe('start');
  return end;
}

function lastJobs(): JobRecord[] {
  const all = page.events.flatMap((e) => (e.event === 'jobs' ? [e.data.jobs] : []));
  return all[all.length - 1] ?? [];
}

function lastStatus(): ClusterView | undefined {
  const all = page.events.flatMap((e) => (e.event === 'status' ? [e.data] : []));
  return all[all.length - 1];
}

const workers = (v: ClusterView | undefined): ClusterView['nodes'] =>
  (v?.nodes ?? []).filter((n) => n.kind === 'worker' && n.state === 'running');

/** How many processes on the head match `pgrep <args>`. */
async function headProcesses(args: string[]): Promise<number> {
  const head = engine.getContainer(lastStatus()?.nodes.find((n) => n.kind === 'head')?.id ?? '');
  const r = await execInContainer(head, ['pgrep', '-c', ...args]);
  return Number(r.stdout.trim() || '0');
}

/** Connections from this machine to the head's state store (from the kernel's socket table). */
async function storeConnections(headIp: string): Promise<number> {
  const hex = (ip: string, port: number): string =>
    `${ip
      .split('.')
      .reverse()
      .map((p) => Number(p).toString(16).padStart(2, '0'))
      .join('')
      .toUpperCase()}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const table = await fsp.readFile('/proc/net/tcp', 'utf8');
  // Field 3 is the remote address, field 4 the state (01: established).
  return table
    .split('\n')
    .slice(1)
    .filter((l) => {
      const f = l.trim().split(/\s+/);
      return f[2] === hex(headIp, 6789) && f[3] === '01';
    }).length;
}

beforeAll(async () => {
  dir = await tempDir('dashapi');
  file = await writeBareDashboardCluster(dir, ws, CLUSTER);
  const r = await cli(['start', file, '-y']);
  if (r.code !== 0) throw new Error(`start failed:\n${r.stdout}\n${r.stderr}`);
  app = buildDashboard({ token, backend: new CoreBackend(), feed: { pollMs: 1000 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  host = `127.0.0.1:${port}`;
  base = `http://${host}`;
  C = `/api/clusters/virtual/${ws}/${CLUSTER}`;
}, 600_000);

afterAll(async () => {
  page?.close();
  await app?.close();
  await cli(['stop', file, '-y', '--hard']);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('the dashboard API on a real cluster', { timeout: 600_000 }, () => {
  it('lists the cluster with its running nodes and head address', async () => {
    const list = await getJson<ClustersResponse>('/api/clusters');
    const w = list.workspaces.find((x) => x.provider === 'virtual' && x.name === ws);
    expect(w?.clusters).toEqual([
      {
        provider: 'virtual',
        workspace: ws,
        cluster: CLUSTER,
        nodes: 2,
        headIp: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/) as string,
        manageable: true,
      },
    ]);
  });

  it("shows the nodes with heartbeat ages and the controller's targets, and streams them", async () => {
    const view = await eventually(
      'a view with both nodes up to date, their heartbeats and the targets',
      240_000,
      async () => {
        const v = await getJson<ClusterView>(C);
        const ready =
          v.nodes.length === 2 &&
          v.nodes.every((n) => n.status === 'up-to-date' && n.heartbeatAgeMs !== undefined) &&
          v.controller.status?.targets['worker.default']?.upToDate === 1;
        return ready ? v : undefined;
      },
    );
    expect(view.nodes.map((n) => [n.kind, n.nodeType, n.status])).toEqual([
      ['head', 'head.default', 'up-to-date'],
      ['worker', 'worker.default', 'up-to-date'],
    ]);
    for (const n of view.nodes) expect(n.heartbeatAgeMs).toBeLessThan(10_000);
    expect(view.controller.status?.targets['worker.default']).toMatchObject({ min: 1, max: 2, upToDate: 1 });
    expect(view.workerTypes).toEqual([{ name: 'worker.default', min: 1, max: 2 }]);
    expect(Object.keys(view.controller.status ?? {}).sort()).toEqual(
      ['blocked', 'messages', 'passMs', 'pass', 'pending', 'targets', 'time'].sort(),
    );
    page = listen();
    await eventually('the stream to give the view and the jobs', 30_000, async () =>
      Promise.resolve(lastStatus() && page.events.some((e) => e.event === 'jobs') ? true : undefined),
    );
    expect(workers(lastStatus())).toHaveLength(1);
    // The controller's launch of the first worker is among the events the stream starts with.
    expect(page.events.some((e) => e.event === 'cluster' && e.data.kind === 'launch')).toBe(true);
  });

  it('submits a shell job (uploaded as base64) and streams its log to the end', async () => {
    const script = 'echo "one $1"; sleep 2; echo two >&2; echo three\n';
    const accepted = await act(`${C}/jobs`, {
      fileName: 'hello.sh',
      contentBase64: Buffer.from(script).toString('base64'),
      args: ['arg'],
    });
    expect(accepted.title).toBe('submit hello.sh');
    const end = await actionEnd(accepted);
    expect(end.state, end.detail).toBe('done');
    const id = /^(job-\d+) queued$/.exec(end.detail ?? '')?.[1];
    expect(id, end.detail).toBeDefined();
    const logs = await call('GET', `${C}/jobs/${id}/logs`);
    expect(logs.statusCode).toBe(200);
    const frames = logs.body
      .split('\n\n')
      .flatMap((f) => /^event: (\w+)\ndata: (.*)$/s.exec(f) ?? [])
      .filter((_, i) => i % 3 !== 0);
    const pairs: [string, unknown][] = [];
    for (let i = 0; i < frames.length; i += 2) pairs.push([frames[i]!, JSON.parse(frames[i + 1]!)]);
    const text = (ev: string): string =>
      pairs.flatMap(([e, d]) => (e === ev ? [(d as { text: string }).text] : [])).join('');
    expect(text('out')).toBe('one arg\nthree\n');
    expect(text('err')).toBe('two\n');
    const last = pairs[pairs.length - 1]!;
    expect(last[0]).toBe('end');
    expect(last[1], JSON.stringify(last[1])).toMatchObject({ id, state: 'succeeded', exitCode: 0 });
    // Following it left nothing running on the head.
    expect(await headProcesses(['-f', 'tail -c \\+1 -F --pid='])).toBe(0);
    expect(await headProcesses(['-x', 'cat'])).toBe(0);
    const jobs = await getJson<JobsResponse>(`${C}/jobs`);
    expect(jobs.jobs[0]).toMatchObject({ id, file: 'hello.sh', args: ['arg'], state: 'succeeded' });
  });

  it('cancels a running job', async () => {
    const script = 'echo started; sleep 300\n';
    const end = await actionEnd(
      await act(`${C}/jobs`, { fileName: 'long.sh', contentBase64: Buffer.from(script).toString('base64') }),
    );
    const id = end.detail?.split(' ')[0] ?? '';
    expect(id).toMatch(/^job-\d+$/);
    const jobOf = (): JobRecord | undefined => {
      const lists = page.events.flatMap((e) => (e.event === 'jobs' ? [e.data.jobs] : []));
      return lists[lists.length - 1]?.find((j) => j.id === id);
    };
    await eventually(`${id} running in the stream`, 60_000, async () =>
      Promise.resolve(jobOf()?.state === 'running' ? true : undefined),
    );
    const cancel = await act(`${C}/jobs/${id}/cancel`, {});
    expect(cancel.title).toBe(`cancel ${id}`);
    const done = await actionEnd(cancel);
    expect(done).toMatchObject({ state: 'done', detail: `${id} cancelled` });
    await eventually(`${id} cancelled in the stream`, 30_000, async () =>
      Promise.resolve(jobOf()?.state === 'cancelled' ? true : undefined),
    );
  });

  it("leaves nothing following a job's output on the head once the page stops reading it", async () => {
    const end = await actionEnd(
      await act(`${C}/jobs`, {
        fileName: 'ticker.sh',
        contentBase64: Buffer.from('while true; do echo tick; sleep 0.5; done\n').toString('base64'),
      }),
    );
    const id = end.detail?.split(' ')[0] ?? '';
    const followers = (): Promise<number> => headProcesses(['-f', 'tail -c \\+1 -F --pid=']);
    const abort = new AbortController();
    const res = await fetch(`${base}${C}/jobs/${id}/logs?token=${token}`, { signal: abort.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('tick')) {
      const { value } = (await reader.read()) as { value?: Uint8Array };
      text += new TextDecoder().decode(value);
    }
    sent.push(text);
    expect(await followers()).toBe(2);
    abort.abort();
    await eventually('the followers on the head to end', 10_000, async () =>
      (await followers()) + (await headProcesses(['-x', 'cat'])) === 0 ? true : undefined,
    );
    expect((await actionEnd(await act(`${C}/jobs/${id}/cancel`, {}))).state).toBe('done');
  });

  it('scales to one more worker and streams it joining', async () => {
    const accepted = await act(`${C}/scale`, { workers: 2 });
    expect(accepted.title).toBe('scale to 2 worker(s)');
    expect((await actionEnd(accepted)).state).toBe('done');
    const seen = await eventually('a second worker up to date in the stream', 240_000, async () => {
      const w = workers(lastStatus());
      return Promise.resolve(w.length === 2 && w.every((n) => n.status === 'up-to-date') ? w : undefined);
    });
    expect(seen.map((n) => n.nodeType)).toEqual(['worker.default', 'worker.default']);
  });

  it('kills a worker and streams its replacement', async () => {
    const victim = workers(lastStatus())[0]!;
    const accepted = await act(`${C}/nodes/${victim.id}/kill`, { hard: true });
    expect(accepted.title).toBe(`kill worker ${victim.id}`);
    const end = await actionEnd(accepted);
    expect(end.state, end.detail).toBe('done');
    expect(end.detail).toContain(`killed ${victim.id}`);
    const replaced = await eventually('a replacement worker in the stream', 240_000, async () => {
      const w = workers(lastStatus());
      return Promise.resolve(
        w.length === 2 && !w.some((n) => n.id === victim.id) && w.every((n) => n.status === 'up-to-date')
          ? w
          : undefined,
      );
    });
    expect(replaced.map((n) => n.id)).not.toContain(victim.id);
    // A kill the head cannot do fails, saying why.
    const wrong = await actionEnd(await act(`${C}/nodes/no-such-node/kill`, {}));
    expect(wrong.state).toBe('fail');
    expect(wrong.detail).toContain('no running worker of cluster dash has IP no-such-node');
  });

  it('sends no secret, and when the page leaves, its reader and store connections go', async () => {
    const headIp = lastStatus()?.headIp ?? '';
    expect(await storeConnections(headIp)).toBeGreaterThan(0);
    page.close();
    await eventually('the reader to stop', 10_000, async () =>
      Promise.resolve(app.dashboard.feed.activeReaders === 0 && app.dashboard.streams.size === 0 ? true : undefined),
    );
    await eventually('no connection to the head store left', 10_000, async () =>
      (await storeConnections(headIp)) === 0 ? true : undefined,
    );
    const redisPassword = (await readSecrets(clusterStateDir('virtual', ws, CLUSTER)))?.redisPassword ?? '';
    expect(redisPassword.length).toBeGreaterThan(10);
    const all = sent.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(redisPassword);
  });

  it('keeps the jobs and says why while the head is down, and sends no cluster event twice once it is back', async () => {
    page = listen();
    await eventually('the stream to start again', 30_000, async () =>
      Promise.resolve(lastStatus()?.controller.status && lastJobs().length > 0 ? true : undefined),
    );
    const jobsBefore = lastJobs();
    const head = docker.getContainer(lastStatus()?.nodes.find((n) => n.kind === 'head')?.id ?? '');
    await head.stop({ t: 1 });
    const down = await eventually('the view to say the head is down', 60_000, async () =>
      Promise.resolve(lastStatus()?.controller.error === 'the head is not running' ? lastStatus() : undefined),
    );
    expect(down.controller.status).toBeUndefined();
    expect(lastJobs()).toEqual(jobsBefore);
    await head.start();
    await eventually('the controller to publish again', 180_000, async () =>
      Promise.resolve(
        lastStatus()?.controller.status && (lastStatus()?.controller.status?.time ?? 0) > Date.now() - 5000
          ? true
          : undefined,
      ),
    );
    const clusterEvents = page.events.flatMap((e) => (e.event === 'cluster' ? [JSON.stringify(e.data)] : []));
    expect(clusterEvents.length).toBeGreaterThan(3);
    expect(new Set(clusterEvents).size).toBe(clusterEvents.length);
  });

  it('stops the cluster as an action', async () => {
    await eventually('the stream to go on', 30_000, async () => Promise.resolve(lastStatus()));
    const end = await actionEnd(await act(`${C}/stop`, {}), 180_000);
    expect(end.state, end.detail).toBe('done');
    expect(end.detail).toMatch(/^removed 3 node\(s\) in /);
    const list = await getJson<ClustersResponse>('/api/clusters');
    expect(list.workspaces.find((w) => w.name === ws)?.clusters ?? []).toEqual([]);
    page.close();
  });
});

describe('the cloudtik dashboard command', { timeout: 60_000 }, () => {
  it('prints its address with the token once, refuses requests without it, and ends on SIGINT with 0', async () => {
    const child = spawn(process.execPath, [CLI, 'dashboard'], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await eventually('the address on stdout', 20_000, async () =>
        Promise.resolve(/^(http:\/\/127\.0\.0\.1:\d+\/\?token=([A-Za-z0-9_-]{43}))\n$/.exec(stdout) ?? undefined),
      );
      const [, full = '', tok = ''] = url;
      const origin = new URL(full).origin;
      const page = await fetch(full);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).not.toContain(tok);
      const refused = await fetch(`${origin}/api/clusters`);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ error: 'the dashboard needs its token' });
      const noToken = await fetch(`${origin}/`);
      expect(noToken.status).toBe(401);
      const listed = await fetch(`${origin}/api/clusters`, { headers: { authorization: `Bearer ${tok}` } });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as ClustersResponse).workspaces).toBeInstanceOf(Array);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout.split(tok)).toHaveLength(2);
      expect(stderr).not.toContain(tok);
      expect(stderr).toContain('Ctrl-C stops it');
      // Stopping a server is its normal end: no word of resuming it.
      expect(stderr).toContain('SIGINT: stopping');
      expect(stderr).not.toContain('continue where it stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a non-loopback address', async () => {
    const r = await cli(['dashboard', '--host', '0.0.0.0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--host 0.0.0.0 is not a loopback address');
    expect(r.stdout).toBe('');
  });
});
