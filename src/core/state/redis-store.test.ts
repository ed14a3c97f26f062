import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudtikError } from '../errors.js';
import { freePort, Redis } from './redis.fixtures.js';
import { RedisStateStore } from './redis-store.js';
import { encodeCommand, parseReply, ReplyReader, RespConnection, RespError } from './resp.js';
import { MAX_EVENTS, type ClusterEvent, type NodeHeartbeat } from './store.js';

describe('RESP', () => {
  it('encodes a command as an array of bulk strings, lengths in bytes', () => {
    expect(encodeCommand(['SET', 'k', 'héllo', 3]).toString()).toBe(
      '*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n$1\r\n3\r\n',
    );
  });

  it('parses every reply type, and nothing until a reply is complete', () => {
    const wire = Buffer.from(
      '+OK\r\n-ERR wrong\r\n:42\r\n$-1\r\n$6\r\nhé\r\nx\r\n*3\r\n$1\r\na\r\n*-1\r\n*2\r\n:1\r\n-ERR inner\r\n',
    );
    const values = [];
    let pos = 0;
    for (let i = 0; i < 6; i++) {
      const r = parseReply(wire, pos);
      if (!r) throw new Error(`reply ${i} not parsed`);
      values.push(r.value);
      pos = r.end;
    }
    expect(pos).toBe(wire.length);
    expect(values.slice(0, 5)).toEqual(['OK', new RespError('ERR wrong'), 42, null, 'hé\r\nx']);
    expect(values[1]).toBeInstanceOf(RespError);
    expect(values[5]).toEqual(['a', null, [1, new RespError('ERR inner')]]);
    // Cut anywhere inside the last reply: incomplete, so undefined (never a wrong value).
    const lastStart = wire.indexOf('*3');
    for (let cut = lastStart; cut < wire.length; cut++)
      expect(parseReply(wire.subarray(0, cut), lastStart)).toBeUndefined();
  });

  it('reads replies cut at any byte, one byte at a time, or all at once, as one reader would', () => {
    const wire = Buffer.from(
      '+OK\r\n$6\r\nhé\r\nx\r\n*3\r\n$1\r\na\r\n*-1\r\n*2\r\n:1\r\n-ERR inner\r\n*0\r\n$0\r\n\r\n',
    );
    const want = ['OK', 'hé\r\nx', ['a', null, [1, new RespError('ERR inner')]], [], ''];
    for (let cut = 0; cut <= wire.length; cut++) {
      const reader = new ReplyReader();
      expect([...reader.push(wire.subarray(0, cut)), ...reader.push(wire.subarray(cut))]).toEqual(want);
    }
    const bytewise = new ReplyReader();
    expect([...wire].flatMap((b) => bytewise.push(Buffer.from([b])))).toEqual(want);
  });

  it('refuses bytes that are not RESP', () => {
    expect(() => parseReply(Buffer.from('HTTP/1.1 400\r\n'))).toThrow(/not a Redis reply/);
  });
});

const beat = (nodeId: string, time = Date.now()): NodeHeartbeat => ({
  nodeId,
  ip: '10.0.0.9',
  kind: 'worker',
  nodeType: 'worker.default',
  seqId: 2,
  time,
  cpus: 2,
  cpuUtilization: 0.25,
  memoryTotal: 2 ** 31,
  memoryUsed: 2 ** 29,
  inUse: true,
});

describe('RedisStateStore on a real Redis', () => {
  let redis: Redis;
  let store: RedisStateStore;

  beforeAll(async () => {
    redis = new Redis(await freePort(), 'pw-123');
    await redis.start();
    store = await RedisStateStore.connect({ host: '127.0.0.1', port: redis.port, password: redis.password });
  });

  afterAll(async () => {
    await store.close();
    await redis.stop();
  });

  it('keeps heartbeats per node, replaces them and removes them', async () => {
    await store.putHeartbeat(beat('a', 1));
    await store.putHeartbeat(beat('b', 2));
    await store.putHeartbeat(beat('a', 3));
    const got = (await store.heartbeats()).sort((x, y) => x.nodeId.localeCompare(y.nodeId));
    expect(got).toEqual([beat('a', 3), beat('b', 2)]);
    await store.removeHeartbeats(['a']);
    expect((await store.heartbeats()).map((h) => h.nodeId)).toEqual(['b']);
  });

  it('reads a reply that arrives in many chunks (5000 heartbeats)', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => beat(`n${i}`, i));
    await Promise.all(many.map((h) => store.putHeartbeat(h)));
    const got = await store.heartbeats();
    expect(got.length).toBe(5001);
    expect(got.find((h) => h.nodeId === 'n4999')).toEqual(beat('n4999', 4999));
    await store.removeHeartbeats(many.map((h) => h.nodeId));
  });

  it('reads large replies whole: a 20 MB value and a list of 50,000 items', async () => {
    const conn = await RespConnection.open({
      host: '127.0.0.1',
      port: redis.port,
      password: redis.password,
      connectTimeoutMs: 2000,
    });
    try {
      const big = 'é'.repeat(10 * 1024 * 1024); // 20 MB in UTF-8
      await conn.call('SET', 'test:big', big);
      expect(await conn.call('GET', 'test:big')).toBe(big);
      const items = Array.from({ length: 50_000 }, (_, i) => `item-${i}`);
      for (let i = 0; i < items.length; i += 5000) await conn.call('RPUSH', 'test:list', ...items.slice(i, i + 5000));
      expect(await conn.call('LRANGE', 'test:list', 0, -1)).toEqual(items);
    } finally {
      await conn.call('DEL', 'test:big', 'test:list');
      await conn.quit();
    }
  });

  it('keeps requests, status and values; missing ones read as empty', async () => {
    expect(await store.requests()).toEqual([]);
    expect(await store.status()).toBeUndefined();
    expect(await store.getValue('nothing')).toBeUndefined();
    await store.setRequests([{ time: 1, bundles: [{ CPU: 2 }] }] as never);
    await store.setValue('runtime_config', '{"types":["hdfs"]}');
    expect(await store.requests()).toEqual([{ time: 1, bundles: [{ CPU: 2 }] }]);
    expect(await store.getValue('runtime_config')).toBe('{"types":["hdfs"]}');
  });

  it('appends events in order and keeps the newest MAX_EVENTS', async () => {
    const ev = (i: number): ClusterEvent => ({ time: i, kind: 'update', reason: 'r', message: `event ${i}` });
    await store.addEvents(Array.from({ length: MAX_EVENTS + 5 }, (_, i) => ev(i)));
    await store.addEvents([ev(MAX_EVENTS + 5)]);
    const last = await store.events(3);
    expect(last.map((e) => e.message)).toEqual([
      `event ${MAX_EVENTS + 3}`,
      `event ${MAX_EVENTS + 4}`,
      `event ${MAX_EVENTS + 5}`,
    ]);
    expect(await store.events(10_000)).toHaveLength(MAX_EVENTS);
  });

  it('wakes a waiter at once; without a wake the wait lasts its time; an abort ends it', async () => {
    let t0 = performance.now();
    const waiting = store.waitForWake(5000);
    await new Promise((r) => setTimeout(r, 100));
    await store.wake();
    await waiting;
    expect(performance.now() - t0).toBeLessThan(2000);

    t0 = performance.now();
    await store.waitForWake(300);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);

    const ac = new AbortController();
    t0 = performance.now();
    const aborted = store.waitForWake(10_000, ac.signal);
    setTimeout(() => ac.abort(), 100);
    await aborted;
    expect(performance.now() - t0).toBeLessThan(2000);

    // Stopped while its blocking connection still opens (a fresh store has none yet).
    const fresh = await RedisStateStore.connect({ host: '127.0.0.1', port: redis.port, password: redis.password });
    try {
      const early = new AbortController();
      t0 = performance.now();
      const waiting2 = fresh.waitForWake(10_000, early.signal);
      early.abort();
      await waiting2;
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a wrong password with the address and a hint', async () => {
    const err = await RedisStateStore.connect({ host: '127.0.0.1', port: redis.port, password: 'wrong' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloudtikError);
    expect((err as CloudtikError).message).toContain(`127.0.0.1:${redis.port}`);
    expect((err as CloudtikError).details?.join(' ')).toMatch(/WRONGPASS|invalid/i);
  });

  it('fails fast where nothing listens (a client does not retry)', async () => {
    const t0 = performance.now();
    const err = await RedisStateStore.connect({ host: '127.0.0.1', port: await freePort(), password: 'x' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloudtikError);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('RESP calls to a server that does not answer', () => {
  /** A real server that accepts connections and answers each command after `delayMs` (never when undefined). */
  async function slowServer(delayMs?: number): Promise<{ port: number; closed: Promise<void>; stop(): Promise<void> }> {
    let onClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => (onClosed = r));
    const server = net.createServer((socket) => {
      socket.on('data', () => {
        if (delayMs !== undefined) setTimeout(() => socket.writable && socket.write('+LATE\r\n'), delayMs);
      });
      socket.on('close', onClosed);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as net.AddressInfo;
    return { port, closed, stop: () => new Promise((r) => server.close(() => r())) };
  }

  it('fails a call after its timeout, naming the command and the server, and drops the connection', async () => {
    const server = await slowServer();
    try {
      const conn = await RespConnection.open({
        host: '127.0.0.1',
        port: server.port,
        connectTimeoutMs: 1000,
        callTimeoutMs: 200,
      });
      const t0 = performance.now();
      const err = await conn.call('HGETALL', 'cloudtik:node_table').catch((e: unknown) => e);
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(err).toBeInstanceOf(CloudtikError);
      expect((err as CloudtikError).code).toBe('ERR_CLOUDTIK_TIMEOUT');
      expect((err as CloudtikError).message).toBe(
        `the state store at 127.0.0.1:${server.port} did not answer HGETALL within 0.2 s`,
      );
      expect(conn.isOpen).toBe(false);
      await server.closed; // the server saw the connection go
    } finally {
      await server.stop();
    }
  });

  it('never hands a late reply to the next call', async () => {
    const server = await slowServer(400);
    try {
      const conn = await RespConnection.open({
        host: '127.0.0.1',
        port: server.port,
        connectTimeoutMs: 1000,
        callTimeoutMs: 200,
      });
      await expect(conn.call('GET', 'a')).rejects.toThrow(/did not answer GET/);
      await new Promise((r) => setTimeout(r, 300)); // the late +LATE would have arrived by now
      // The connection went with the timeout: the next call fails with why, it does not get +LATE.
      await expect(conn.call('SET', 'b', '1')).rejects.toThrow(/did not answer GET/);
    } finally {
      await server.stop();
    }
  });
});

describe('RedisStateStore for a daemon', () => {
  it('gives up waiting for a store that never comes, naming its address', async () => {
    const port = await freePort();
    const err = await RedisStateStore.connect({
      host: '127.0.0.1',
      port,
      password: 'x',
      reconnect: true,
      patienceMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudtikError);
    expect((err as CloudtikError).message).toContain(`127.0.0.1:${port}`);
    expect((err as CloudtikError).details.join(' ')).toMatch(
      new RegExp(`timed out after 0.3 s waiting for the cluster's state store at 127.0.0.1:${port}`),
    );
  });

  it('waits for a store that is not up yet, and reconnects after it restarts', async () => {
    const redis = new Redis(await freePort(), 'pw');
    const connecting = RedisStateStore.connect({
      host: '127.0.0.1',
      port: redis.port,
      password: redis.password,
      reconnect: true,
    });
    await new Promise((r) => setTimeout(r, 300));
    await redis.start();
    const store = await connecting;
    try {
      await store.putHeartbeat(beat('a'));
      await redis.stop();
      await expect(store.heartbeats()).rejects.toThrow();
      await redis.start();
      // The next call opens the connection again (the data went with the old server).
      expect(await store.heartbeats()).toEqual([]);
      await store.putHeartbeat(beat('b'));
      expect((await store.heartbeats()).map((h) => h.nodeId)).toEqual(['b']);
    } finally {
      await store.close();
      await redis.stop();
    }
  });
});
