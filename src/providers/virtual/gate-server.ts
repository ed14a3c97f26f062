/**
 * The cluster's Docker gate: an HTTP server on a Unix socket that speaks the Docker Engine API to
 * the head and passes on to the real engine only what gate-policy.ts allows. It runs in its own
 * container (the only one with the host's engine socket, see gate.ts), so nothing on the head,
 * root included, can reach the engine except through it.
 *
 * Requests are rebuilt, not relayed: the path the engine sees is made here from the parsed route
 * (with the container's full id, as looked up), the query holds only the keys the route allows,
 * and a JSON body goes on as the object that was checked. Calls that take the connection over
 * (exec start, attach) are relayed byte for byte once the engine answered `101`; any other answer
 * ends the connection, so no second request can ride on it past the checks.
 */
import fs from 'node:fs';
import http from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { text } from 'node:stream/consumers';
import { DockerEngineError, type DockerEngine } from './engine.js';
import {
  containerRefusal,
  createRefusal,
  execRefusal,
  listedInScope,
  networkRefusal,
  routeRequest,
  scopedFilters,
  type GatePolicy,
  type GateRoute,
} from './gate-policy.js';

/** What the gate reports about each refused or failed call (it never sees secrets: no bodies are logged). */
export type GateLog = (level: 'info' | 'warn', fields: Record<string, unknown>, msg: string) => void;

export interface GateServerOptions {
  policy: GatePolicy;
  /** The real engine. */
  engine: DockerEngine;
  socketPath: string;
  log: GateLog;
}

const MAX_JSON_BODY = 1 << 20;

/** An answer of the gate itself, in the engine's error shape (`{"message": ...}`). */
class GateAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function refuse(message: string): GateAnswer {
  return new GateAnswer(403, `refused by the cluster's Docker gate: ${message}`);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'upgrade', 'proxy-connection', 'te', 'trailer']);

function copyHeaders(from: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

async function readJson(req: Readable): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY) throw new GateAnswer(413, 'request body too large for the gate');
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new GateAnswer(400, 'request body is not valid JSON');
  }
}

function jsonBody(value: unknown): { body: Readable; headers: Record<string, string> } {
  const bytes = Buffer.from(JSON.stringify(value));
  return {
    body: Readable.from([bytes]),
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) },
  };
}

function withQuery(path: string, query: URLSearchParams): string {
  const s = query.toString();
  return s === '' ? path : `${path}?${s}`;
}

export class DockerGate {
  /** Execs made through this gate, and the container each runs in. */
  private readonly execs = new Map<string, string>();

  constructor(private readonly options: GateServerOptions) {}

  /** The container's full id when it is a node of the cluster; a 403 or 404 answer otherwise. */
  private async allowedContainer(id: string): Promise<string> {
    let inspected: { Id: string; Name: string; Config: { Labels?: Record<string, string> | null } };
    try {
      inspected = await this.options.engine.getContainer(id).inspect();
    } catch (err) {
      if (err instanceof DockerEngineError) throw new GateAnswer(err.statusCode, err.message);
      throw err;
    }
    const why = containerRefusal(this.options.policy, inspected.Name.replace(/^\//, ''), inspected.Config.Labels ?? {});
    if (why) throw refuse(why);
    return inspected.Id;
  }

  private async allowedExec(id: string): Promise<void> {
    if (this.execs.has(id)) return;
    let containerId: string;
    try {
      containerId = (
        await this.options.engine.request<{ ContainerID: string }>('GET', `/exec/${encodeURIComponent(id)}/json`)
      ).ContainerID;
    } catch (err) {
      if (err instanceof DockerEngineError) throw new GateAnswer(err.statusCode, err.message);
      throw err;
    }
    await this.allowedContainer(containerId);
  }

  /**
   * The engine request a route becomes: its path (with query) and body. Refusals and lookups
   * throw {@link GateAnswer}.
   */
  async plan(
    route: Exclude<GateRoute, { kind: 'refused' } | { kind: 'list' } | { kind: 'engine' } | { kind: 'network' }>,
    method: string,
    req: Readable,
  ): Promise<{ path: string; body?: Readable; headers: Record<string, string>; execOf?: string }> {
    const { policy } = this.options;
    if (route.kind === 'create') {
      const spec = await readJson(req);
      const why = createRefusal(policy, route.query.get('name'), spec);
      if (why) throw refuse(why);
      return { path: withQuery(`${route.prefix}/containers/create`, route.query), ...jsonBody(spec) };
    }
    if (route.kind === 'exec') {
      await this.allowedExec(route.id);
      const path = withQuery(`${route.prefix}/exec/${encodeURIComponent(route.id)}/${route.action}`, route.query);
      return { path, body: req, headers: { 'Content-Type': 'application/json' } };
    }
    const id = await this.allowedContainer(route.id);
    const path = withQuery(`${route.prefix}/containers/${id}${route.action ? `/${route.action}` : ''}`, route.query);
    if (route.action === 'exec') {
      const spec = await readJson(req);
      const why = execRefusal(policy, spec);
      if (why) throw refuse(why);
      return { path, ...jsonBody(spec), execOf: id };
    }
    if (method === 'PUT') return { path, body: req, headers: { 'Content-Type': 'application/x-tar' } };
    req.resume();
    return { path, headers: {} };
  }

  /** A plain request: checked, passed on, and its answer streamed back. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const route = routeRequest(method, req.url ?? '/');
    if (route.kind === 'refused') throw refuse(route.message);
    if (route.kind === 'engine') {
      req.resume();
      return this.relay(res, await this.options.engine.forward(method, route.path));
    }
    if (route.kind === 'network') {
      req.resume();
      const why = networkRefusal(this.options.policy, route.id);
      if (why) throw refuse(why);
      return this.relay(
        res,
        await this.options.engine.forward('GET', `${route.prefix}/networks/${encodeURIComponent(route.id)}`),
      );
    }
    if (route.kind === 'list') {
      req.resume();
      route.query.set('filters', scopedFilters(this.options.policy, route.query.get('filters')));
      const answer = await this.options.engine.forward(
        'GET',
        withQuery(`${route.prefix}/containers/json`, route.query),
      );
      const raw = await text(answer);
      if (answer.statusCode !== 200) return this.reply(res, answer.statusCode ?? 502, raw);
      const listed = (JSON.parse(raw) as { Labels?: Record<string, string> }[]).filter((c) =>
        listedInScope(this.options.policy, c),
      );
      return this.reply(res, 200, JSON.stringify(listed));
    }
    const planned = await this.plan(route, method, req);
    const answer = await this.options.engine.forward(method, planned.path, planned);
    if (planned.execOf !== undefined && answer.statusCode === 201) {
      const raw = await text(answer);
      const id = (JSON.parse(raw) as { Id?: string }).Id;
      if (id) this.remember(id, planned.execOf);
      return this.reply(res, 201, raw);
    }
    return this.relay(res, answer);
  }

  private remember(execId: string, containerId: string): void {
    // Bounded: an exec the gate forgot is looked up again.
    if (this.execs.size >= 10_000) this.execs.delete(this.execs.keys().next().value as string);
    this.execs.set(execId, containerId);
  }

  private relay(res: http.ServerResponse, answer: http.IncomingMessage): void {
    res.writeHead(answer.statusCode ?? 502, copyHeaders(answer.headers));
    answer.pipe(res);
  }

  private reply(res: http.ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  /**
   * A request that takes the connection over (exec start, attach): checked like any other, then
   * sent to the engine on a connection of its own, and relayed both ways once it answers 101.
   */
  async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const method = req.method ?? 'POST';
    const route = routeRequest(method, req.url ?? '/');
    if (route.kind !== 'exec' && !(route.kind === 'container' && route.action === 'attach')) {
      throw refuse(
        route.kind === 'refused' ? route.message : `${method} ${req.url ?? ''} cannot take the connection over`,
      );
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (req.headers['transfer-encoding'] !== undefined || !Number.isInteger(length) || length > MAX_JSON_BODY) {
      throw new GateAnswer(400, 'the gate needs a Content-Length body on requests that take the connection over');
    }
    const body = await takeBytes(socket, head, length);
    const planned = await this.plan(route, method, Readable.from([]));
    const upstream = this.options.engine.connect();
    upstream.write(
      `${method} ${planned.path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.bytes.length}\r\n\r\n`,
    );
    upstream.write(body.bytes);
    await relayUpgraded(socket, upstream, body.rest);
  }
}

/** `length` bytes of request body from what came with the headers and what follows; the rest is stream data. */
function takeBytes(socket: Duplex, head: Buffer, length: number): Promise<{ bytes: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let got = head;
    const done = (): boolean => {
      if (got.length < length) return false;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.pause();
      resolve({ bytes: got.subarray(0, length), rest: got.subarray(length) });
      return true;
    };
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      done();
    };
    if (done()) return;
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

/**
 * Relay the engine's answer to the client; on `101` also the client's bytes to the engine (the
 * exec's stdin). Any other answer is passed back and the connection closed.
 */
function relayUpgraded(client: Duplex, upstream: Duplex, pending: Buffer): Promise<void> {
  return new Promise((resolve) => {
    let head: Buffer = Buffer.alloc(0);
    const finish = (): void => {
      client.destroy();
      upstream.destroy();
      resolve();
    };
    client.on('error', finish);
    upstream.on('error', finish);
    client.on('close', finish);
    upstream.on('close', finish);
    const onHead = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      upstream.off('data', onHead);
      upstream.pause();
      client.write(head);
      const switched = /^HTTP\/1\.[01] 101/.test(head.toString('latin1', 0, 16));
      if (switched) {
        if (pending.length > 0) upstream.write(pending);
        client.pipe(upstream);
      } else {
        client.removeAllListeners('data');
      }
      upstream.pipe(client);
      upstream.resume();
      client.resume();
    };
    upstream.on('data', onHead);
  });
}

/** Serve the gate on `socketPath` until `signal` aborts. */
export async function serveGate(options: GateServerOptions, signal: AbortSignal): Promise<void> {
  const gate = new DockerGate(options);
  const fail = (err: unknown, method: string, url: string): GateAnswer => {
    const answer =
      err instanceof GateAnswer ? err : new GateAnswer(502, `the gate could not reach the engine: ${String(err)}`);
    options.log(answer.status === 403 ? 'info' : 'warn', { method, url, status: answer.status }, answer.message);
    return answer;
  };
  const server = http.createServer((req, res) => {
    gate.handle(req, res).catch((err: unknown) => {
      const answer = fail(err, req.method ?? '', req.url ?? '');
      req.resume();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = JSON.stringify({ message: answer.message });
      res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    gate.upgrade(req, socket, head).catch((err: unknown) => {
      const answer = fail(err, req.method ?? '', req.url ?? '');
      const body = JSON.stringify({ message: answer.message });
      socket.end(
        `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status] ?? ''}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  });
  await listenOnSocket(server, options.socketPath);
  options.log('info', { socket: options.socketPath, cluster: options.policy.cluster }, 'docker gate listening');
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/**
 * Listen on a Unix socket that every user on the head may connect to. The socket is created with
 * that mode (umask), not chmod-ed after: a path in a shared folder is not followed twice.
 */
async function listenOnSocket(server: http.Server, socketPath: string): Promise<void> {
  await fs.promises.rm(socketPath, { force: true });
  const before = process.umask(0o000);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(before);
  }
}
