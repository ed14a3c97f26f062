/**
 * The host-pool service for tests: the built CLI's `cloudtik simulator POOL.yaml`, run as a child
 * process with the test's CLOUDTIK_HOME, and a raw HTTP call for what the CLI never sends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { CLI, eventually } from './helpers.js';

export interface PoolService {
  address: string;
  child: ChildProcess;
  /** What the service printed so far. */
  stdout(): string;
  stderr(): string;
  /** Its exit code once it ended (128 for a signal). */
  exited: Promise<number>;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `cloudtik simulator POOL_FILE --port PORT [--bind-address BIND]` with the test's
 * environment, and resolves once it says where it listens.
 */
export async function startPoolService(options: {
  poolFile: string;
  bind?: string;
  port: number;
  env: Record<string, string>;
}): Promise<PoolService> {
  const args = [CLI, 'simulator', options.poolFile, '--port', String(options.port)];
  if (options.bind !== undefined) args.push('--bind-address', options.bind);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, CI: 'true', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  const address = `${options.bind ?? '127.0.0.1'}:${options.port}`;
  await eventually(
    `the pool service listening at ${address}`,
    20_000,
    () => {
      if (child.exitCode !== null) throw new Error(`the pool service exited ${child.exitCode}:\n${out}${err}`);
      return Promise.resolve(out.includes('host-pool service at') ? true : undefined);
    },
    { everyMs: 20 },
  );
  return {
    address,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** One request to the service as sent by hand: `body` as JSON, with the token only when given. */
export function rawCall(address: string, body: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  const [host, port] = [address.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(address)?.[1])];
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.on('data', (b: Buffer) => (text += b.toString()));
        res.on('end', () => {
          let json: unknown = text;
          try {
            json = text === '' ? null : (JSON.parse(text) as unknown);
          } catch {
            // not JSON: the text as it came
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(payload);
  });
}
