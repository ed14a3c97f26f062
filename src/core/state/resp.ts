/**
 * A minimal Redis client: RESP2 over one TCP connection, commands pipelined and answered in
 * order. The state store needs a dozen commands; a full client library costs every node process
 * that talks to the head (agents, controller, Prometheus target keeper, the CLI) about 0.3 s of
 * CPU to load, while a cluster starts on a busy machine.
 */
import net from 'node:net';
import { CloudtikError } from '../errors.js';

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

/** Parsing stopped inside an element: it waits for more bytes. */
const INCOMPLETE = Symbol('incomplete');

/** One element read: a value, or the header of an array whose `open` items follow. */
type Element = { value: RespValue } | { open: number } | typeof INCOMPLETE;

/**
 * Replies read from a byte stream as it arrives, in time linear in its length: each element is
 * parsed once (arrays keep their place on a stack between chunks), and chunks are joined only
 * when they can complete the element they stop in (a 20 MB bulk string is copied once, not once
 * per chunk). Throws on bytes that are not RESP (the connection is then unusable).
 */
export class ReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the element at `pos` needs before it is worth parsing again. */
  private need = 0;
  /** The element at `pos` waits for the end of its first line: only a chunk with a newline can help. */
  private waitingLine = false;
  private readonly open: { items: RespValue[]; left: number }[] = [];

  /** The first reply in `buf` from `start` and where it ends, or undefined while it is incomplete. */
  static first(buf: Buffer, start = 0): { value: RespValue; end: number } | undefined {
    const reader = new ReplyReader();
    reader.buf = buf;
    reader.pos = start;
    const [value] = reader.drain(1);
    return value === undefined ? undefined : { value: value.reply, end: reader.pos };
  }

  /** Add bytes; returns the replies they completed, in order. */
  push(chunk: Buffer): RespValue[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.waitingLine && !chunk.includes(0x0a)) return [];
    if (this.buf.length - this.pos + this.pendingBytes < this.need) return [];
    this.gather();
    const replies = this.drain(Infinity).map((r) => r.reply);
    if (this.pos === this.buf.length) {
      this.buf = Buffer.alloc(0);
      this.pos = 0;
    }
    return replies;
  }

  /** Join what is left of the buffer with the chunks that came since (one copy). */
  private gather(): void {
    const rest = this.buf.subarray(this.pos);
    const [only] = this.pending;
    this.buf = rest.length === 0 && this.pending.length === 1 && only ? only : Buffer.concat([rest, ...this.pending]);
    this.pos = 0;
    this.pending.length = 0;
    this.pendingBytes = 0;
  }

  /** Parse up to `max` complete replies from the buffer (wrapped: a reply may be null). */
  private drain(max: number): { reply: RespValue }[] {
    const out: { reply: RespValue }[] = [];
    while (out.length < max) {
      const e = this.element();
      if (e === INCOMPLETE) break;
      if ('open' in e) {
        this.open.push({ items: [], left: e.open });
        continue;
      }
      let done: RespValue = e.value;
      // A finished value fills its array; a full array is itself a finished value.
      for (;;) {
        const top = this.open.at(-1);
        if (top === undefined) {
          out.push({ reply: done });
          break;
        }
        top.items.push(done);
        top.left--;
        if (top.left > 0) break;
        this.open.pop();
        done = top.items;
      }
    }
    return out;
  }

  /** The element at `pos`: consumed when complete, else `pos` stays and `need`/`waitingLine` say what it waits for. */
  private element(): Element {
    const { buf } = this;
    const start = this.pos;
    const lineEnd = start < buf.length ? buf.indexOf('\r\n', start) : -1;
    this.waitingLine = lineEnd < 0;
    this.need = 0;
    if (lineEnd < 0) return INCOMPLETE;
    const line = buf.toString('utf8', start + 1, lineEnd);
    const next = lineEnd + 2;
    const take = (end: number, value: RespValue): Element => {
      this.pos = end;
      return { value };
    };
    switch (buf.readUInt8(start)) {
      case 0x2b: // +
        return take(next, line);
      case 0x2d: // -
        return take(next, new RespError(line));
      case 0x3a: // :
        return take(next, Number(line));
      case 0x24: {
        // $
        const n = Number(line);
        if (n < 0) return take(next, null);
        if (buf.length < next + n + 2) {
          this.need = next + n + 2 - start;
          return INCOMPLETE;
        }
        return take(next + n + 2, buf.toString('utf8', next, next + n));
      }
      case 0x2a: {
        // *
        const n = Number(line);
        if (n <= 0) return take(next, n < 0 ? null : []);
        this.pos = next;
        return { open: n };
      }
      default:
        throw new Error(
          `not a Redis reply: ${JSON.stringify(buf.toString('utf8', start, Math.min(buf.length, start + 40)))}`,
        );
    }
  }
}

/**
 * The reply that starts at `start` of `buf` and where it ends, or undefined while it is incomplete.
 * Throws on bytes that are not RESP.
 */
export function parseReply(buf: Buffer, start = 0): { value: RespValue; end: number } | undefined {
  return ReplyReader.first(buf, start);
}

export interface RespOptions {
  host: string;
  port: number;
  password?: string;
  /** How long connecting and authenticating may take. */
  connectTimeoutMs: number;
  /** How long a call may wait for its reply (default {@link CALL_TIMEOUT_MS}). */
  callTimeoutMs?: number;
}

/**
 * How long a call waits for its reply by default. The state store answers in milliseconds; a
 * head that does not answer in this long is gone or its network is, and the caller should hear so.
 */
export const CALL_TIMEOUT_MS = 15_000;

interface Waiter {
  resolve(v: RespValue): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class RespConnection {
  private readonly waiters: Waiter[] = [];
  private readonly reader = new ReplyReader();
  private closedWith: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: RespOptions,
  ) {
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
    const conn = new RespConnection(socket, o);
    if (o.password !== undefined) {
      try {
        await conn.callWithin(o.connectTimeoutMs, 'AUTH', o.password);
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

  /**
   * Send one command; resolves with its reply, rejects with an error reply, a lost connection, or
   * no reply within the call timeout (the connection is then closed: a reply that comes late must
   * not be taken for the next command's).
   */
  call(...args: (string | number)[]): Promise<RespValue> {
    return this.callWithin(this.options.callTimeoutMs ?? CALL_TIMEOUT_MS, ...args);
  }

  /** {@link call} with its own timeout: a blocking command (BLPOP) waits its block time more. */
  callWithin(timeoutMs: number, ...args: (string | number)[]): Promise<RespValue> {
    return this.send(args, timeoutMs).then((v) => {
      if (v instanceof RespError) throw v;
      return v;
    });
  }

  /** Commands in a MULTI/EXEC transaction, sent together; resolves with their replies. */
  async transaction(commands: (string | number)[][]): Promise<RespValue[]> {
    const ms = this.options.callTimeoutMs ?? CALL_TIMEOUT_MS;
    const replies = await Promise.all([
      this.send(['MULTI'], ms),
      ...commands.map((c) => this.send(c, ms)),
      this.send(['EXEC'], ms),
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

  private send(args: readonly (string | number)[], timeoutMs: number): Promise<RespValue> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(this.timeoutError(String(args[0]), timeoutMs)), timeoutMs);
      this.waiters.push({ resolve, reject, timer });
      this.socket.write(encodeCommand(args));
    });
  }

  /** The error of a call that got no reply in time (named by its command only: AUTH carries a password). */
  private timeoutError(command: string, ms: number): CloudtikError {
    const { host, port } = this.options;
    return new CloudtikError(
      'ERR_CLOUDTIK_TIMEOUT',
      `the state store at ${host}:${port} did not answer ${command.toUpperCase()} within ${ms / 1000} s`,
      {
        hint: `the connection was closed; is the head up and reachable? by hand: redis-cli -h ${host} -p ${port} ping`,
      },
    );
  }

  private onData(chunk: Buffer): void {
    let replies: RespValue[];
    try {
      replies = this.reader.push(chunk);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    for (const reply of replies) {
      const waiter = this.waiters.shift();
      if (!waiter) continue;
      clearTimeout(waiter.timer);
      waiter.resolve(reply);
    }
  }

  private fail(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.socket.destroy();
  }
}
