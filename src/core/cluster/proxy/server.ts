/**
 * The SOCKS5 proxy server: listens on this machine (loopback by default) and carries each CONNECT
 * to the cluster network through a relay on the head (see relay.ts). It runs as its own detached
 * process (`cloudtik start-proxy` starts it, `cloudtik stop-proxy` ends it).
 */
import net from 'node:net';
import { PassThrough } from 'node:stream';
import type { CommandRunner } from '../../command/runner.js';
import { NEED_MORE, parseGreeting, parseRequest, REPLY, reply, replyForError } from './socks5.js';
import { RelayDecoder, relayCommand } from './relay.js';

export interface ProxyServerOptions {
  /** Runs the relays: the head's command runner. */
  runner: Pick<CommandRunner, 'run'>;
  bindAddress: string;
  port: number;
  log: (message: string) => void;
}

/** Read the greeting and the request from a new client; resolves with the target or undefined (answered and closed). */
function handshake(socket: net.Socket): Promise<{ host: string; port: number; rest: Buffer } | undefined> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let greeted = false;
    const fail = (bytes: Buffer): void => {
      socket.off('data', onData);
      socket.end(bytes);
      resolve(undefined);
    };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (!greeted) {
        const g = parseGreeting(buf);
        if (g === NEED_MORE) return;
        if (!g.ok) return fail(g.reply);
        socket.write(g.reply);
        buf = buf.subarray(g.consumed);
        greeted = true;
      }
      const r = parseRequest(buf);
      if (r === NEED_MORE) return;
      if (!r.ok) return fail(r.reply);
      socket.off('data', onData);
      socket.pause();
      resolve({ host: r.host, port: r.port, rest: buf.subarray(r.consumed) });
    };
    socket.on('data', onData);
    socket.once('close', () => resolve(undefined));
  });
}

/** Carry one client connection to `host:port` through a relay on the head. */
async function carry(socket: net.Socket, options: ProxyServerOptions): Promise<void> {
  const target = await handshake(socket);
  if (!target) return;
  const where = `${target.host}:${target.port}`;
  const up = new PassThrough();
  up.write(target.rest);
  const abort = new AbortController();
  let opened = false;
  const decoder = new RelayDecoder((e) => {
    if (e.kind === 'open') {
      opened = true;
      socket.write(reply(REPLY.succeeded));
      socket.pipe(up);
      socket.resume();
    } else if (e.kind === 'failed') {
      options.log(`connect ${where}: ${e.code}`);
      socket.end(reply(replyForError(e.code)));
    } else socket.write(e.bytes);
  });
  socket.on('close', () => abort.abort());
  socket.on('error', () => abort.abort());
  try {
    await options.runner.run({
      command: relayCommand(target.host, target.port),
      stdin: up,
      signal: abort.signal,
      onStdout: (text) => decoder.push(text),
    });
  } catch (err) {
    if (!abort.signal.aborted) options.log(`relay to ${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!opened && !socket.destroyed) socket.end(reply(REPLY.generalFailure));
  else socket.end();
}

/** Listen until `signal` aborts. Resolves once listening, with a promise that settles when it has closed. */
export async function startProxyServer(
  options: ProxyServerOptions,
  signal: AbortSignal,
): Promise<{ closed: Promise<void>; address: net.AddressInfo }> {
  const open = new Set<net.Socket>();
  // Half-open: a client that has sent all it will (HTTP/1.0, a shut-down write side) still gets the answer.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    void carry(socket, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.bindAddress, () => resolve());
  });
  const closed = new Promise<void>((resolve) => {
    const stop = (): void => {
      server.close(() => resolve());
      // Connections in flight end with the server: a stopped proxy leaves no relay behind.
      for (const socket of open) socket.destroy();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  return { closed, address: server.address() as net.AddressInfo };
}
