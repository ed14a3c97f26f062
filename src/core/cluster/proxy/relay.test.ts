import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult, RunOptions } from '../../command/runner.js';
import { RelayDecoder, relayCommand, type RelayEvent } from './relay.js';
import { startProxyServer } from './server.js';

describe('RelayDecoder', () => {
  const decode = (chunks: string[]): RelayEvent[] => {
    const events: RelayEvent[] = [];
    const d = new RelayDecoder((e) => events.push(e));
    for (const c of chunks) d.push(c);
    return events;
  };

  it.each([
    [
      'opens, then bytes',
      ['OK\n', 'aGVs', 'bG8=\n'],
      [{ kind: 'open' }, { kind: 'data', bytes: Buffer.from('hello') }],
    ],
    [
      'skips shell chatter before OK',
      ['Welcome\nOK\nAAE=\n'],
      [{ kind: 'open' }, { kind: 'data', bytes: Buffer.from([0, 1]) }],
    ],
    ['fails with the code', ['ERR ECONNREFUSED\n'], [{ kind: 'failed', code: 'ECONNREFUSED' }]],
    ['waits for a whole line', ['OK'], []],
  ])('%s', (_name, chunks, expected) => {
    expect(decode(chunks)).toEqual(expected);
  });
});

/** A runner that runs the relay with this machine's bash and node, its stdin piped, as a node's would. */
const localRunner = {
  run(o: RunOptions): Promise<CommandResult> {
    return new Promise((resolve) => {
      const child = spawn('bash', ['-c', o.command], { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (t: string) => o.onStdout?.(t));
      child.stdin.on('error', () => undefined);
      o.stdin?.pipe(child.stdin);
      o.signal?.addEventListener('abort', () => child.kill());
      child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout: '', stderr: '' }));
    });
  },
};

/** One HTTP request through a SOCKS5 proxy, spoken by hand: the reply code and the response body. */
function viaSocks(
  proxyPort: number,
  target: { host: string; port: number },
  body: Buffer,
): Promise<{ rep: number; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxyPort, '127.0.0.1');
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.on('connect', () => s.write(Buffer.from([5, 1, 0])));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length === 2) {
        const host = Buffer.from(target.host);
        s.write(
          Buffer.concat([
            Buffer.from([5, 1, 0, 3, host.length]),
            host,
            Buffer.from([target.port >> 8, target.port & 0xff]),
          ]),
        );
      } else if (buf.length >= 12 && buf.length - d.length <= 2) {
        if (buf[3] === 0)
          s.end(Buffer.concat([Buffer.from(`POST / HTTP/1.0\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
      }
    });
    s.on('close', () => {
      const rep = buf[3] ?? -1;
      const data = buf.subarray(12);
      const split = data.indexOf('\r\n\r\n');
      resolve({ rep, data: split < 0 ? Buffer.alloc(0) : data.subarray(split + 4) });
    });
  });
}

describe('the proxy server with its relay', () => {
  const abort = new AbortController();
  let web: http.Server;
  let webPort: number;
  let proxyPort: number;

  beforeAll(async () => {
    // Answers with the bytes it got, reversed: binary both ways.
    web = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => res.end(Buffer.concat(parts).reverse()));
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webPort = (web.address() as net.AddressInfo).port;
    const { address } = await startProxyServer(
      { runner: localRunner, bindAddress: '127.0.0.1', port: 0, log: () => undefined },
      abort.signal,
    );
    proxyPort = address.port;
  });
  afterAll(() => {
    abort.abort();
    web.close();
  });

  it('carries binary data both ways', async () => {
    const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const r = await viaSocks(proxyPort, { host: '127.0.0.1', port: webPort }, body);
    expect(r.rep).toBe(0);
    expect(r.data.length).toBe(body.length);
    expect(r.data.equals(Buffer.from(body).reverse())).toBe(true);
  });

  it('answers "connection refused" for a closed port', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await viaSocks(proxyPort, { host: '127.0.0.1', port }, Buffer.alloc(0));
    expect(r.rep).toBe(5);
  });

  it('runs a relay command that names the target as given', () => {
    expect(relayCommand('10.0.0.1', 80)).toMatch(/^exec node -e '.*' '?10\.0\.0\.1'? 80$/s);
  });
});
