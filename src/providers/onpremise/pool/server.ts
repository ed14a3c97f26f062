/**
 * The host-pool service over HTTP (CloudTik's cloud simulator, `cloudtik simulator POOL.yaml`):
 * `{type, args}` as a JSON body of a GET or POST to any path, a bearer token, the method's result
 * as the JSON reply, refusals as `{error: {code, message}}` with their status. Every refusal is
 * logged with its reason, the caller's address and the method. One service per state folder.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CloudtikError } from '../../../core/errors.js';
import { reachableAddress } from '../client.js';
import { poolDir, poolFiles } from '../paths.js';
import {
  AUTH_SCHEME,
  DEFAULT_POOL_PORT,
  POOL_ERRORS,
  POOL_METHODS,
  type PoolErrorBody,
  type PoolErrorCode,
  type PoolMethod,
  type PoolProcessFile,
} from '../protocol.js';
import { argsProblem } from './args.js';
import { claimProcessFile, ensureToken, publishProcessFile, releaseProcessFile } from './claim.js';
import { loadPoolConfig, type PoolConfig } from './config.js';
import { HostPool } from './pool.js';
import { PoolFault } from './state.js';

/** The address the service listens at unless told otherwise: this machine only. */
export const DEFAULT_BIND_ADDRESS = '127.0.0.1';

/** The largest request body the service reads. */
const MAX_BODY = 1024 * 1024;

export interface PoolServerOptions {
  configFile: string;
  bindAddress?: string;
  port?: number;
  /** Where log lines are shown besides the log file (the CLI: stderr); all of them with `verbose`. */
  echo?: (line: string) => void;
  verbose?: boolean;
}

export interface RunningPool {
  pid: number;
  bindAddress: string;
  port: number;
  /** Where a client on this machine reaches it (`host:port`). */
  address: string;
  config: PoolConfig;
  hosts: number;
  tokenFile: string;
  logFile: string;
  /** Resolves when the service has stopped (after `shutdown` or {@link RunningPool.close}). */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** The service's log file; loud lines (and every line when verbose) are echoed too. */
class PoolLog {
  constructor(
    private readonly file: string,
    private readonly echo: ((line: string) => void) | undefined,
    private readonly verbose: boolean,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  }

  line(text: string, loud = false): void {
    const line = `${new Date().toISOString()} ${text}`;
    try {
      fs.appendFileSync(this.file, `${line}\n`, { mode: 0o600 });
    } catch {
      // A log that cannot be written must not stop the service; the echo still shows the line.
    }
    if (loud || this.verbose) this.echo?.(line);
  }
}

class Refused extends Error {
  constructor(
    readonly code: PoolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function digest(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}

/** Why the Authorization header does not carry the token, or `undefined` when it does. */
export function authProblem(header: string | undefined, token: string): string | undefined {
  if (header === undefined || header.trim() === '') return 'no Authorization header';
  const [scheme, value, ...rest] = header.trim().split(/\s+/);
  if (scheme !== AUTH_SCHEME || value === undefined || rest.length > 0)
    return `Authorization is not "${AUTH_SCHEME} <token>"`;
  return crypto.timingSafeEqual(digest(value), digest(token)) ? undefined : 'wrong token';
}

/** The method and arguments of a request body (`{type, args}`); throws a bad request. */
export function parseCall(body: string): { method: PoolMethod; args: unknown[] } {
  if (body.trim() === '') throw new Refused('bad_request', 'no JSON body: send {"type": <method>, "args": [...]}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new Refused('bad_request', `the body is not JSON: ${(err as Error).message}`);
  }
  const { type, args = [] } = (parsed ?? {}) as { type?: unknown; args?: unknown };
  if (typeof type !== 'string')
    throw new Refused('bad_request', 'the body names no method: {"type": <method>, "args": [...]}');
  if (!(POOL_METHODS as readonly string[]).includes(type)) {
    throw new Refused('bad_request', `unknown method '${type}' (methods: ${POOL_METHODS.join(', ')})`);
  }
  if (!Array.isArray(args)) throw new Refused('bad_request', 'args must be a list');
  return { method: type as PoolMethod, args: args as unknown[] };
}

/** The method a body names, for the log (whatever else is wrong with it). */
function methodOf(body: string): string {
  try {
    const type = (JSON.parse(body) as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? type.slice(0, 60) : '-';
  } catch {
    return '-';
  }
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Refused('bad_request', `the body is larger than ${MAX_BODY} bytes`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(response: http.ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

interface Served {
  pool: HostPool;
  token: string;
  log: PoolLog;
  shutdown: () => void;
}

/** Answers one request: checks the caller and the call, runs it, replies; logs every refusal. */
async function serve(request: http.IncomingMessage, response: http.ServerResponse, s: Served): Promise<void> {
  const from = request.socket.remoteAddress ?? '?';
  let method = '-';
  try {
    if (request.method !== 'GET' && request.method !== 'POST') {
      throw new Refused('bad_request', `HTTP ${request.method ?? '?'} is not served: send GET or POST`);
    }
    const body = await readBody(request);
    method = methodOf(body);
    const auth = authProblem(request.headers.authorization, s.token);
    if (auth !== undefined) throw new Refused('unauthorized', auth);
    const call = parseCall(body);
    const problem = argsProblem(call.method, call.args);
    if (problem !== undefined) throw new Refused('bad_request', problem);
    if (call.method === 'shutdown') {
      s.log.line(`shutdown asked by ${from}`, true);
      response.on('finish', s.shutdown);
      return reply(response, 200, null);
    }
    reply(response, 200, await s.pool.call(call.method, call.args));
  } catch (err) {
    const known = err instanceof Refused || err instanceof PoolFault;
    const code: PoolErrorCode = known ? err.code : 'internal';
    const message = known ? err.message : `${(err as Error).message ?? String(err)}`;
    const what = code === 'no_capacity' ? 'LAUNCH REFUSED' : 'refused';
    s.log.line(`${what} ${POOL_ERRORS[code]} ${code}: ${message} (method ${method}, from ${from})`, true);
    if (!known) s.log.line(`internal error: ${(err as Error).stack ?? String(err)}`, true);
    if (!response.headersSent) reply(response, POOL_ERRORS[code], { error: { code, message } } satisfies PoolErrorBody);
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void => {
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${port} at ${host} is in use by another program`
          : `cannot listen at ${host}:${port}: ${err.message}`;
      reject(
        new CloudtikError('ERR_CLOUDTIK_CONFIG', why, {
          hint: 'pick another with --port, or an address of this machine with --bind-address',
          cause: err,
        }),
      );
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** Stops taking requests, lets the queued changes finish, closes the connections, removes the process file. */
function stopper(server: http.Server, pool: HostPool, log: PoolLog, done: () => void): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.idle();
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(grace);
      await releaseProcessFile(poolFiles.process());
      log.line('stopped', true);
      done();
    })());
}

/** The service started on `options`: the pool file loaded, the folder claimed, listening. */
export async function startPoolServer(options: PoolServerOptions): Promise<RunningPool> {
  const config = await loadPoolConfig(options.configFile);
  const bindAddress = options.bindAddress ?? DEFAULT_BIND_ADDRESS;
  const me: PoolProcessFile = {
    pid: process.pid,
    bind_address: bindAddress,
    port: options.port ?? DEFAULT_POOL_PORT,
    config: config.file,
  };
  await fsp.mkdir(poolDir(), { recursive: true, mode: 0o700 });
  await claimProcessFile(poolFiles.process(), me);
  try {
    return await serveOn(config, me, options);
  } catch (err) {
    await releaseProcessFile(poolFiles.process());
    throw err;
  }
}

async function serveOn(config: PoolConfig, me: PoolProcessFile, options: PoolServerOptions): Promise<RunningPool> {
  const log = new PoolLog(poolFiles.log(), options.echo, options.verbose === true);
  const token = await ensureToken(poolFiles.token());
  let address = reachableAddress(me.bind_address, me.port);
  const pool = await HostPool.open(config, {
    stateFile: poolFiles.state(),
    address: () => address,
    now: () => Date.now(),
    log: (line, loud) => log.line(line, loud),
  });
  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  const server = http.createServer();
  const stop = stopper(server, pool, log, done);
  const served: Served = { pool, token, log, shutdown: () => void stop() };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void serve(req, res, served));
  await listen(server, me.port, me.bind_address);
  const port = (server.address() as AddressInfo).port;
  address = reachableAddress(me.bind_address, port);
  await publishProcessFile(poolFiles.process(), { ...me, port });
  for (const warning of config.warnings) log.line(`warning: ${warning}`, true);
  log.line(`serving ${config.file} at ${me.bind_address}:${port} (pid ${process.pid}): ${pool.hostCount} hosts`);
  return {
    pid: process.pid,
    bindAddress: me.bind_address,
    port,
    address,
    config,
    hosts: pool.hostCount,
    tokenFile: poolFiles.token(),
    logFile: poolFiles.log(),
    closed,
    close: stop,
  };
}
