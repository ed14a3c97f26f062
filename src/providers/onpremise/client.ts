/**
 * The client of the host-pool service (see protocol.ts): one HTTP request per call, each under a
 * deadline, and every refusal turned into a `CloudtikError` that says what to do. Also finds the
 * service running on this machine from its process file.
 */
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { env } from '../../config/env.js';
import { withDeadline } from '../../core/deadline.js';
import { CloudtikError, type ErrorCode } from '../../core/errors.js';
import { splitHostPort } from '../../core/net.js';
import { pidAlive } from '../../core/pid.js';
import { poolFiles } from './paths.js';
import {
  AUTH_SCHEME,
  DEFAULT_POOL_PORT,
  POOL_ERRORS,
  parseProcessFile,
  type PoolErrorBody,
  type PoolErrorCode,
  type PoolMethod,
  type PoolMethods,
  type PoolProcessFile,
} from './protocol.js';

/** How long a call may take unless told otherwise. */
export const DEFAULT_CALL_MS = 30_000;

/** Hint for a service that does not answer. */
const START_HINT = 'start it on the machine at that address: cloudtik simulator POOL.yaml';

/** A call the service refused: the CloudtikError plus the service's own code and HTTP status. */
export class PoolCallError extends CloudtikError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly poolCode: PoolErrorCode,
    readonly status: number,
    hint?: string,
  ) {
    super(code, message, hint === undefined ? {} : { hint });
    this.name = 'PoolCallError';
  }
}

/** `host:port`, `[v6]:port` or a bare host (CloudTik's port then) as host and port. */
export function splitAddress(address: string): { host: string; port: number } {
  return splitHostPort(address, DEFAULT_POOL_PORT);
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

function errorCodeOf(poolCode: PoolErrorCode, method: PoolMethod): ErrorCode {
  switch (poolCode) {
    case 'no_capacity':
      return 'ERR_CLOUDTIK_CAPACITY';
    case 'unauthorized':
      return 'ERR_CLOUDTIK_CONFIG';
    case 'bad_request':
      return 'ERR_CLOUDTIK_USAGE';
    case 'not_found':
    case 'conflict':
      return method.includes('workspace') ? 'ERR_CLOUDTIK_WORKSPACE' : 'ERR_CLOUDTIK_CLUSTER';
    case 'internal':
      return 'ERR_CLOUDTIK_CLUSTER';
  }
}

function isPoolErrorBody(value: unknown): value is PoolErrorBody {
  const error = (value as Partial<PoolErrorBody> | null)?.error;
  return typeof error?.code === 'string' && Object.hasOwn(POOL_ERRORS, error.code) && typeof error.message === 'string';
}

/** The error for a refused call, from the status and the body the service sent. */
export function refusalError(address: string, method: PoolMethod, status: number, body: unknown): CloudtikError {
  if (!isPoolErrorBody(body)) {
    return new CloudtikError(
      'ERR_CLOUDTIK_CLUSTER',
      `the host-pool service at ${address} answered ${method} with HTTP ${status} and no error it knows`,
      { hint: 'is a host-pool service (cloudtik simulator) listening at that address?' },
    );
  }
  const { code, message } = body.error;
  if (code === 'unauthorized') {
    const hint = `the token is in ${poolFiles.token()} on the service's machine; copy that file to the same place here, or set CLOUDTIK_SIMULATOR_TOKEN to its content`;
    return new PoolCallError(
      'ERR_CLOUDTIK_CONFIG',
      `the host-pool service at ${address} refused the token: ${message}`,
      code,
      status,
      hint,
    );
  }
  return new PoolCallError(errorCodeOf(code, method), message, code, status);
}

interface Reply {
  status: number;
  body: unknown;
}

/** A kept connection the service had closed before the request reached it. */
class StaleConnection extends Error {
  constructor(cause: Error) {
    super('kept connection closed by the service', { cause });
  }
}

export class PoolClient {
  private readonly host: string;
  private readonly port: number;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  constructor(
    readonly address: string,
    private readonly token: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {
    ({ host: this.host, port: this.port } = splitAddress(address));
  }

  async call<M extends PoolMethod>(method: M, ...args: PoolMethods[M]['args']): Promise<PoolMethods[M]['result']> {
    const ms = this.options.timeoutMs ?? DEFAULT_CALL_MS;
    const payload = JSON.stringify({ type: method, args });
    const reply = await withDeadline((signal) => this.send(method, payload, signal), {
      ms,
      expired: () =>
        new CloudtikError(
          'ERR_CLOUDTIK_TIMEOUT',
          `the host-pool service at ${this.address} did not answer ${method} within ${ms / 1000} s`,
          {
            hint: `check that it runs and answers: cloudtik simulator status --bind-address ${this.host} --port ${this.port}`,
          },
        ),
    });
    if (reply.status !== 200) throw refusalError(this.address, method, reply.status, reply.body);
    return reply.body as PoolMethods[M]['result'];
  }

  /** Lets go of the kept connections (idle ones never keep the process alive). */
  close(): void {
    this.agent.destroy();
  }

  /**
   * One request; sent again once when a kept connection turns out closed by the service before it
   * read the request (Node's advice for kept connections: the service never saw it).
   */
  private async send(method: PoolMethod, payload: string, signal: AbortSignal): Promise<Reply> {
    try {
      return await this.request(method, payload, signal);
    } catch (err) {
      if (!(err instanceof StaleConnection)) throw err;
      return this.request(method, payload, signal).catch((again: unknown) => {
        throw again instanceof StaleConnection ? this.unreachable(again.cause as Error) : again;
      });
    }
  }

  private request(method: PoolMethod, payload: string, signal: AbortSignal): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const request = http.request({
        host: this.host,
        port: this.port,
        method: 'POST',
        path: '/',
        agent: this.agent,
        signal,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
          Authorization: `${AUTH_SCHEME} ${this.token}`,
        },
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown });
          } catch {
            reject(this.notJson(method, response.statusCode ?? 0, text));
          }
        });
      });
      request.on('error', (err: NodeJS.ErrnoException) => {
        const stale = request.reusedSocket && err.code === 'ECONNRESET';
        reject(stale ? new StaleConnection(err) : this.unreachable(err));
      });
      request.end(payload);
    });
  }

  private notJson(method: PoolMethod, status: number, text: string): CloudtikError {
    return new CloudtikError(
      'ERR_CLOUDTIK_CLUSTER',
      `the host-pool service at ${this.address} answered ${method} with HTTP ${status} and no JSON: ${JSON.stringify(text.slice(0, 200))}`,
      { hint: 'is a host-pool service (cloudtik simulator) listening at that address?' },
    );
  }

  private unreachable(err: Error): Error {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!UNREACHABLE.has(code)) return err;
    return new CloudtikError(
      'ERR_CLOUDTIK_CLUSTER',
      `no host-pool service answers at ${this.host}:${this.port} (${code})`,
      {
        hint: START_HINT,
        cause: err,
      },
    );
  }
}

/** This machine's first IPv4 address that is not loopback (what a `0.0.0.0` service is reached at). */
export function firstExternalIPv4(interfaces = os.networkInterfaces()): string | undefined {
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** The address to reach a service bound to `bindAddress` from this machine. */
export function reachableAddress(bindAddress: string, port: number): string {
  const wildcard = bindAddress === '0.0.0.0' || bindAddress === '::' || bindAddress === '';
  const host = wildcard ? (firstExternalIPv4() ?? '127.0.0.1') : bindAddress;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The process file of the service running on this machine, if there is one and its process lives. */
export async function readProcessFile(file = poolFiles.process()): Promise<PoolProcessFile | undefined> {
  const info = parseProcessFile(await fsp.readFile(file, 'utf8').catch(() => ''));
  return info && typeof info.port === 'number' && pidAlive(info.pid) ? info : undefined;
}

async function readTokenFile(file: string): Promise<string | undefined> {
  try {
    const token = (await fsp.readFile(file, 'utf8')).trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/**
 * The token clients send: `CLOUDTIK_SIMULATOR_TOKEN`, else the copy in `copyFile` (a head's, when
 * given), else the service's token file on this machine.
 */
export async function clientToken(copyFile?: string): Promise<string | undefined> {
  return (
    env.simulatorToken() ??
    (copyFile === undefined ? undefined : await readTokenFile(copyFile)) ??
    (await readTokenFile(poolFiles.token()))
  );
}

/**
 * The host-pool service running on this machine (its process file, its process alive) and the
 * token to call it with; `undefined` when none runs. A service bound to every address is reached
 * at this machine's first non-loopback IPv4 address.
 */
export async function findPoolService(): Promise<{ address: string; token: string } | undefined> {
  const info = await readProcessFile();
  if (!info) return undefined;
  const address = reachableAddress(info.bind_address, info.port);
  const token = await clientToken();
  if (token === undefined) {
    throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `no token for the host-pool service at ${address}`, {
      hint: `it is written at the service's first start to ${poolFiles.token()}; set CLOUDTIK_SIMULATOR_TOKEN if you cannot read that file`,
    });
  }
  return { address, token };
}
