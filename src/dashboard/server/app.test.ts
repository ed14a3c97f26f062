import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudtikError } from '../../core/errors.js';
import {
  MAX_JOB_FILE_BYTES,
  type ActionAccepted,
  type ActionEvent,
  type DashboardStreamEvent,
  type ErrorResponse,
} from '../contract.js';
import { buildDashboard } from './app.js';
import { JOB, MemoryBackend, REF } from './memory-backend.fixtures.js';
import { newToken } from './security.js';

const TOKEN = newToken();
const ORIGIN = 'http://127.0.0.1:8765';
const HOST = '127.0.0.1:8765';
const AUTH = { host: HOST, authorization: `Bearer ${TOKEN}` };
const C = `/api/clusters/${REF.provider}/${REF.workspace}/${REF.cluster}`;

let pageDir: string;
let app: FastifyInstance;
let backend: MemoryBackend;

beforeAll(async () => {
  pageDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dash-page-'));
  await fsp.writeFile(path.join(pageDir, 'index.html'), '<!doctype html><title>page</title>');
  await fsp.writeFile(path.join(pageDir, 'app.js'), 'console.log(1)');
  return () => fsp.rm(pageDir, { recursive: true, force: true });
});

function make(o: { pingMs?: number; ownAddress?: boolean } = {}): FastifyInstance {
  backend = new MemoryBackend();
  app = buildDashboard({
    token: TOKEN,
    backend,
    ...(o.ownAddress ? {} : { origin: ORIGIN }),
    pageDir,
    feed: { pollMs: 20 },
    ...(o.pingMs !== undefined ? { pingMs: o.pingMs } : {}),
  });
  return app;
}

afterEach(async () => {
  await app.close();
});

/** Wait until `check` holds (the background actions and readers run on timers). */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within 3 s: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('access', () => {
  it('answers 401 without the token or with a wrong one, on the API and the page', async () => {
    make();
    for (const url of ['/api/clusters', '/', `${C}/events`]) {
      const r = await app.inject({ url, headers: { host: HOST } });
      expect(r.statusCode, url).toBe(401);
      expect(r.json()).toEqual({ error: 'the dashboard needs its token' });
    }
    const wrong = await app.inject({
      url: '/api/clusters',
      headers: { host: HOST, authorization: `Bearer ${newToken()}` },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: 'wrong token' });
    const wrongQuery = await app.inject({ url: `/?token=${TOKEN.slice(1)}`, headers: { host: HOST } });
    expect(wrongQuery.statusCode).toBe(401);
  });

  it('takes the token as a Bearer header, or in the query of a GET', async () => {
    make();
    const byHeader = await app.inject({ url: '/api/clusters', headers: AUTH });
    expect(byHeader.statusCode).toBe(200);
    expect(byHeader.json()).toEqual(await backend.listClusters());
    const page = await app.inject({ url: `/?token=${TOKEN}`, headers: { host: HOST } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe('<!doctype html><title>page</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('answers 403 to a foreign Host or Origin, even with the token', async () => {
    make();
    const host = await app.inject({ url: '/api/clusters', headers: { ...AUTH, host: 'evil.example:8765' } });
    expect(host.statusCode).toBe(403);
    expect(host.json<ErrorResponse>().error).toBe('requests must be for 127.0.0.1:8765');
    const otherPort = await app.inject({ url: '/api/clusters', headers: { ...AUTH, host: '127.0.0.1:1' } });
    expect(otherPort.statusCode).toBe(403);
    const origin = await app.inject({ url: '/api/clusters', headers: { ...AUTH, origin: 'http://evil.example' } });
    expect(origin.statusCode).toBe(403);
    expect(origin.json<ErrorResponse>().error).toBe('cross-origin requests are refused');
    const own = await app.inject({ url: '/api/clusters', headers: { ...AUTH, origin: ORIGIN } });
    expect(own.statusCode).toBe(200);
    // A cross-origin action is refused before anything runs.
    const post = await app.inject({
      method: 'POST',
      url: `${C}/stop`,
      headers: { ...AUTH, origin: 'http://evil.example' },
    });
    expect(post.statusCode).toBe(403);
    expect(app.dashboard.actions.inFlight).toBe(0);
  });

  it('answers 403 to an action with the token in its query, even a right one', async () => {
    make();
    const r = await app.inject({ method: 'POST', url: `${C}/stop?token=${TOKEN}`, headers: { host: HOST } });
    expect(r.statusCode).toBe(403);
    expect(r.json<ErrorResponse>().error).toContain('Authorization header');
    const both = await app.inject({ method: 'POST', url: `${C}/stop?token=${TOKEN}`, headers: AUTH });
    expect(both.statusCode).toBe(403);
  });

  it("serves the page's assets without the token, and nothing outside them", async () => {
    make();
    const js = await app.inject({ url: '/assets/app.js', headers: { host: HOST } });
    expect(js.statusCode).toBe(200);
    expect(js.body).toBe('console.log(1)');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    const missing = await app.inject({ url: '/assets/nope.js', headers: { host: HOST } });
    expect(missing.statusCode).toBe(404);
    for (const url of ['/assets/..%2Fsecret', '/assets/a%2Fb', '/assets/.hidden']) {
      const r = await app.inject({ url, headers: { host: HOST } });
      expect(r.statusCode, url).toBe(400);
      expect(r.json<ErrorResponse>().field).toBe('file');
    }
    const foreign = await app.inject({ url: '/assets/app.js', headers: { host: 'evil.example' } });
    expect(foreign.statusCode).toBe(403);
  });
});

describe('validation', () => {
  it('answers 400 naming the field for bad names in the path', async () => {
    make();
    for (const [url, field] of [
      [`/api/clusters/virtual/ws1/c%2F..`, 'cluster'],
      [`/api/clusters/virtual/ws%20x/c1`, 'workspace'],
      [`/api/clusters/-x/ws1/c1`, 'provider'],
      [`${C}/jobs/job-x/logs`, 'jobId'],
    ] as const) {
      const r = await app.inject({ url, headers: AUTH });
      expect(r.statusCode, url).toBe(400);
      expect(r.json<ErrorResponse>().field, url).toBe(field);
    }
    const kill = await app.inject({ method: 'POST', url: `${C}/nodes/a%20b/kill`, headers: AUTH, payload: {} });
    expect(kill.statusCode).toBe(400);
    expect(kill.json<ErrorResponse>().field).toBe('nodeId');
  });

  it('answers 400 naming the field for bad bodies', async () => {
    make();
    const cases: [string, unknown, string][] = [
      ['scale', { workers: -1 }, 'workers'],
      ['scale', { workers: 1.5 }, 'workers'],
      ['scale', { workers: 2, extra: true }, 'extra'],
      ['scale', { workerType: '../x', workers: 1 }, 'workerType'],
      ['jobs', { fileName: 'a.sh' }, 'contentBase64'],
      ['jobs', { fileName: '../a.sh', contentBase64: 'ZWNobw==' }, 'fileName'],
      ['jobs', { fileName: 'a.sh', contentBase64: 'not base64!' }, 'contentBase64'],
      ['jobs', { fileName: 'a.sh', contentBase64: 'ZWNobw==', args: [1] }, 'args'],
      ['jobs', { fileName: 'a.sh', contentBase64: 'ZWNobw==', resources: 'cpu' }, 'resources'],
    ];
    for (const [route, payload, field] of cases) {
      const r = await app.inject({ method: 'POST', url: `${C}/${route}`, headers: AUTH, payload: payload as object });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json<ErrorResponse>().field, JSON.stringify(payload)).toBe(field);
      expect(r.json<ErrorResponse>().error, JSON.stringify(payload)).toMatch(/^body/);
    }
    const none = await app.inject({ method: 'POST', url: `${C}/scale`, headers: AUTH, payload: {} });
    expect(none.statusCode).toBe(400);
    expect(app.dashboard.actions.inFlight).toBe(0);
    expect(backend.submitted).toEqual([]);
  });

  it('refuses a job file over 16 MiB, takes one of 16 MiB, and answers 404 for a cluster it does not know', async () => {
    make();
    const submit = (bytes: number) =>
      app.inject({
        method: 'POST',
        url: `${C}/jobs`,
        headers: AUTH,
        payload: { fileName: 'big.sh', contentBase64: Buffer.alloc(bytes, 0x61).toString('base64') },
      });
    const far = await submit(MAX_JOB_FILE_BYTES + 3);
    expect(far.statusCode).toBe(400);
    expect(far.json<ErrorResponse>().field).toBe('contentBase64');
    const justOver = await submit(MAX_JOB_FILE_BYTES + 1);
    expect(justOver.statusCode).toBe(413);
    expect(justOver.json<ErrorResponse>().error).toBe(
      `big.sh is ${MAX_JOB_FILE_BYTES + 1} bytes: job files are at most 16 MiB`,
    );
    expect((await submit(MAX_JOB_FILE_BYTES)).statusCode).toBe(202);
    expect(backend.submitted.map((u) => u.content.length)).toEqual([MAX_JOB_FILE_BYTES]);
    const unknown = await app.inject({ url: '/api/clusters/virtual/ws1/other', headers: AUTH });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<ErrorResponse>().error).toContain('cluster other of workspace ws1');
    const action = await app.inject({ method: 'POST', url: '/api/clusters/virtual/ws1/other/stop', headers: AUTH });
    expect(action.statusCode).toBe(404);
  });
});

describe('actions', () => {
  it('accepts an action with 202 at once and streams its start and end as action events', async () => {
    make();
    const seen: DashboardStreamEvent[] = [];
    const leave = app.dashboard.feed.subscribe(REF, (e) => seen.push(e));
    const content = Buffer.from('echo hello\n');
    backend.outcome = 'job-7 queued';
    const r = await app.inject({
      method: 'POST',
      url: `${C}/jobs`,
      headers: AUTH,
      payload: { fileName: 'hello.sh', contentBase64: content.toString('base64'), args: ['a b'], resources: 'cpu=1' },
    });
    expect(r.statusCode).toBe(202);
    const accepted = r.json<{ actionId: string; title: string }>();
    expect(accepted.title).toBe('submit hello.sh');
    expect(accepted.actionId).toMatch(/^a-[0-9a-f]{12}$/);
    expect(backend.submitted).toEqual([{ fileName: 'hello.sh', content, args: ['a b'], resources: 'cpu=1' }]);
    const actions = (): ActionEvent[] => seen.flatMap((e) => (e.event === 'action' ? [e.data] : []));
    await until(() => actions().length === 2, 'start and done');
    expect(actions().map((a) => [a.actionId, a.state, a.detail])).toEqual([
      [accepted.actionId, 'start', undefined],
      [accepted.actionId, 'done', 'job-7 queued'],
    ]);
    await leave();
  });

  it('says why an action failed, with the hint, also to a page that opens later', async () => {
    make();
    backend.outcome = new CloudtikError('ERR_CLOUDTIK_CLUSTER', 'no running worker has IP n9', {
      hint: 'see cloudtik worker-ips',
    });
    const r = await app.inject({ method: 'POST', url: `${C}/nodes/n9/kill`, headers: AUTH, payload: { hard: true } });
    expect(r.statusCode).toBe(202);
    expect(r.json<ActionAccepted>().title).toBe('kill worker n9');
    await app.dashboard.actions.settle();
    const seen: DashboardStreamEvent[] = [];
    const leave = app.dashboard.feed.subscribe(REF, (e) => seen.push(e));
    await until(() => seen.some((e) => e.event === 'action' && e.data.state === 'fail'), 'the fail event');
    const fail = seen.find((e) => e.event === 'action' && e.data.state === 'fail')?.data as ActionEvent;
    expect(fail.detail).toBe('no running worker has IP n9 (see cloudtik worker-ips)');
    await leave();
  });

  it('titles scale, cancel and stop after what they do', async () => {
    make();
    const titles = [];
    for (const [url, payload] of [
      [`${C}/scale`, { workers: 3 }],
      [`${C}/scale`, { cpus: 8, workerType: 'worker.default' }],
      [`${C}/jobs/job-4/cancel`, {}],
      [`${C}/stop`, undefined],
    ] as const) {
      const r = await app.inject({ method: 'POST', url, headers: AUTH, ...(payload ? { payload } : {}) });
      expect(r.statusCode, url).toBe(202);
      titles.push(r.json<ActionAccepted>().title);
    }
    expect(titles).toEqual([
      'scale to 3 worker(s)',
      'scale to 8 CPU(s) of type worker.default',
      'cancel job-4',
      'stop cluster c1',
    ]);
  });
});

/** Read a streamed response until `done` says enough, then leave. */
async function readStream(url: string, done: (text: string) => boolean): Promise<string> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` }, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: ended } = (await reader.read()) as { value?: Uint8Array; done: boolean };
    if (ended) break;
    text += decoder.decode(value, { stream: true });
  }
  abort.abort();
  return text;
}

describe('streams', () => {
  it('frames the events stream, shares one reader per cluster, pings, and stops reading when the pages leave', async () => {
    make({ pingMs: 50, ownAddress: true });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    // The origin is the address it listens on.
    const base = `http://127.0.0.1:${port}`;
    backend.snapshot.events = [{ time: 5, kind: 'launch', reason: 'min_workers', message: 'launched 1 worker' }];
    const wanted = (t: string): boolean => t.includes(': ping') && t.includes('event: jobs');
    const [a, b] = await Promise.all([
      readStream(`${base}${C}/events`, wanted),
      readStream(`${base}${C}/events`, wanted),
    ]);
    for (const text of [a, b]) {
      const frames = text.split('\n\n').filter((f) => f.startsWith('event:'));
      expect(frames[0]).toBe(`event: cluster\ndata: ${JSON.stringify(backend.snapshot.events[0])}`);
      expect(frames[1]).toBe(`event: status\ndata: ${JSON.stringify(backend.snapshot.view)}`);
      expect(frames[2]).toBe(`event: jobs\ndata: ${JSON.stringify({ jobs: [JOB] })}`);
      expect(text.startsWith('retry: 3000\n\n')).toBe(true);
    }
    expect(backend.watchesOpened).toBe(1);
    await until(() => backend.watchesClosed === 1 && app.dashboard.feed.activeReaders === 0, 'the reader to stop');
    await until(() => app.dashboard.streams.size === 0, 'the streams to close');
  });

  it('sends a new cluster event and a changed view to a listening page', async () => {
    make();
    const seen: DashboardStreamEvent[] = [];
    const leave = app.dashboard.feed.subscribe(REF, (e) => seen.push(e));
    await until(() => seen.some((e) => e.event === 'jobs'), 'the first read');
    const before = seen.length;
    const event = { time: 9, kind: 'terminate' as const, reason: 'idle', message: 'terminated n1' };
    backend.snapshot = {
      ...backend.snapshot,
      events: [event],
      view: { ...backend.snapshot.view, nodes: backend.snapshot.view.nodes.slice(0, 1) },
    };
    await until(() => seen.length >= before + 2, 'the changes');
    expect(seen.slice(before).map((e) => e.event)).toEqual(['cluster', 'status']);
    expect(seen[before]?.data).toEqual(event);
    await leave();
    expect(app.dashboard.feed.activeReaders).toBe(0);
  });

  it('keeps trying to read a cluster it could not open yet', async () => {
    make();
    backend.failWatches = 2;
    const seen: DashboardStreamEvent[] = [];
    const leave = app.dashboard.feed.subscribe(REF, (e) => seen.push(e));
    await until(() => seen.some((e) => e.event === 'status'), 'the view after two failed opens');
    expect(backend.watchesOpened).toBe(1);
    await leave();
    expect(backend.watchesClosed).toBe(1);
  });

  it("streams a job's output then its record, and says when there is no such job", async () => {
    make();
    backend.logLines = [
      { stream: 'stdout', text: 'one\ntwo\n' },
      { stream: 'stderr', text: 'oops\n' },
    ];
    const r = await app.inject({ url: `${C}/jobs/job-1/logs`, headers: AUTH });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(
      [
        'retry: 3000\n\n',
        `event: out\ndata: ${JSON.stringify({ text: 'one\ntwo\n' })}\n\n`,
        `event: err\ndata: ${JSON.stringify({ text: 'oops\n' })}\n\n`,
        `event: end\ndata: ${JSON.stringify(JOB)}\n\n`,
      ].join(''),
    );
    const none = await app.inject({ url: `${C}/jobs/job-2/logs`, headers: AUTH });
    expect(none.body).toContain(
      `event: error\ndata: ${JSON.stringify({ error: 'there is no job job-2 on this cluster' })}`,
    );
    expect(app.dashboard.streams.size).toBe(0);
  });
});
