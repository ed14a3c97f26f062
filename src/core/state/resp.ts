/**
 * A minimal Redis client: RESP2 over one TCP connection, commands pipelined and answered in
 * order. The state store needs a dozen commands; a full client library costs every node process
 * that talks to the head (agents, controller, Prometheus target keeper, the CLI) about 0.3 s of
 * CPU to load, while a cluster starts on a busy machine.
 */
import net from 'node:net';

/** A reply: simple and bulk strings, integers, null (missing), arrays (which may hold errors). */
export type RespValue = string | number | null | RespError | RespValue[];

/** An error reply from the server (`-ERR ...`). */
export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RespError';
  }
}

/** One command in the wire format: an array of bulk strings. */
export function encodeCommand(args: readonly (string | number)[]): Buffer {
  const parts: string[] = [`*${args.length}\r\n`];
  for (const a of args) {
    const s = String(a);
    parts.push(`$${Buffer.byteLength(s)}\r\n`, s, '\r\n');
  }
  return Buffer.from(parts.join(''));
}

/**
 * The reply that starts at `start` of `buf` and where it ends, or undefined while it is incomplete.
 * Throws on bytes that are not RESP (the connection is then unusable).
 */
export function parseReply(buf: Buffer, start = 0): { value: RespValue; end: number } | undefined {
  if (start >= buf.length) return undefined;
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = buf.readUInt8(start);
  const line = buf.toString('utf8', start + 1, lineEnd);
  let pos = lineEnd + 2;
  switch (type) {
    case 0x2b: // +
      return { value: line, end: pos };
    case 0x2d: // -
      return { value: new RespError(line), end: pos };
    case 0x3a: // :
      return { value: Number(line), end: pos };
    case 0x24: {
      // $
      const n = Number(line);
      if (n < 0) return { value: null, end: pos };
      if (buf.length < pos + n + 2) return undefined;
      return { value: buf.toString('utf8', pos, pos + n), end: pos + n + 2 };
    }
    case 0x2a: {
      // *
      const n = Number(line);
      if (n < 0) return { value: null, end: pos };
      const items: RespValue[] = [];
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, pos);
        if (!r) return undefined;
        items.push(r.value);
        pos = r.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw new Error(
        `not a Redis reply: ${JSON.stringify(buf.toString('utf8', start, Math.min(buf.length, start + 40)))}`,
      );
  }
}

export interface RespOptions {
  host: string;
  port: number;
  password?: string;
  connectTimeoutMs: number;
}

interface Waiter {
  resolve(v: RespValue): void;
  reject(err: Error): void;
}

export class RespConnection {
  private readonly waiters: Waiter[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closedWith: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the connection to the state store closed')));
  }

  /** Connect and authenticate; rejects with the socket's or the server's error. */
  static async open(o: RespOptions): Promise<RespConnection> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: o.host, port: o.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`connection to ${o.host}:${o.port} timed out after ${o.connectTimeoutMs} ms`));
      }, o.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const conn = new RespConnection(socket);
    if (o.password !== undefined) {
      try {
        await conn.call('AUTH', o.password);
      } catch (err) {
        conn.destroy();
        throw err;
      }
    }
    return conn;
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  /** Send one command; resolves with its reply, rejects with an error reply or a lost connection. */
  call(...args: (string | number)[]): Promise<RespValue> {
    return this.send(args).then((v) => {
      if (v instanceof RespError) throw v;
      return v;
    });
  }

  /** Commands in a MULTI/EXEC transaction, sent together; resolves with their replies. */
  async transaction(commands: (string | number)[][]): Promise<RespValue[]> {
    const replies = await Promise.all([
      this.send(['MULTI']),
      ...commands.map((c) => this.send(c)),
      this.send(['EXEC']),
    ]);
    const failed = replies.find((r): r is RespError => r instanceof RespError);
    if (failed) throw failed;
    const results = replies.at(-1);
    if (!Array.isArray(results)) throw new RespError('the transaction was aborted');
    const inner = results.find((r): r is RespError => r instanceof RespError);
    if (inner) throw inner;
    return results;
  }

  /** Close after the replies already asked for. */
  async quit(): Promise<void> {
    if (!this.isOpen) return;
    await this.call('QUIT').catch(() => undefined);
    this.destroy();
  }

  /** Close at once; commands still waiting fail. */
  destroy(): void {
    this.fail(new Error('the connection to the state store was closed'));
  }

  private send(args: readonly (string | number)[]): Promise<RespValue> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<RespValue>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let start = 0;
    try {
      for (;;) {
        const r = parseReply(this.buffer, start);
        if (!r) break;
        start = r.end;
        this.waiters.shift()?.resolve(r.value);
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.buffer = start === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(start);
  }

  private fail(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.socket.destroy();
  }
}
