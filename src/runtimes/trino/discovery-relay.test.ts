import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { relayedHeaders, startDiscoveryRelay } from './discovery-relay.js';

describe('relayedHeaders', () => {
  it('gives a service list a max-age of one second', () => {
    const list = { method: 'GET', url: '/v1/service/trino/general' };
    expect(relayedHeaders(list, 200, { 'content-type': 'application/json' })).toEqual({
      'content-type': 'application/json',
      'cache-control': 'max-age=1',
    });
  });

  it.each([
    ['an announcement', 'PUT', '/v1/announcement/node-1', 202],
    ['another resource', 'GET', '/v1/info', 200],
    ['a refused request for a list', 'GET', '/v1/service/trino', 401],
  ])('leaves %s as the coordinator answered it', (_what, method, url, status) => {
    const headers = { 'content-type': 'application/json' };
    expect(relayedHeaders({ method, url }, status, headers)).toBe(headers);
  });
});

describe('startDiscoveryRelay', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
  const portOf = (s: http.Server): number => (s.address() as AddressInfo).port;

  async function coordinator(): Promise<{ port: number; seen: string[] }> {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"services":[]}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    return { port: portOf(server), seen };
  }

  it('passes requests on to the coordinator and marks its service lists', async () => {
    const upstream = await coordinator();
    const relay = await startDiscoveryRelay(0, upstream.port);
    servers.push(relay);
    const base = `http://127.0.0.1:${portOf(relay)}`;
    const list = await fetch(`${base}/v1/service/trino/general`);
    expect(list.headers.get('cache-control')).toBe('max-age=1');
    expect(await list.json()).toEqual({ services: [] });
    const put = await fetch(`${base}/v1/announcement/w1`, { method: 'PUT', body: '{"id":"w1"}' });
    expect(put.status).toBe(200);
    expect(put.headers.get('cache-control')).toBeNull();
    expect(upstream.seen).toEqual(['GET /v1/service/trino/general ', 'PUT /v1/announcement/w1 {"id":"w1"}']);
  });

  it('answers 502 while the coordinator takes no connections', async () => {
    const gone = await coordinator();
    const closing = servers.pop()!;
    await new Promise((r) => closing.close(r));
    const relay = await startDiscoveryRelay(0, gone.port);
    servers.push(relay);
    const r = await fetch(`http://127.0.0.1:${portOf(relay)}/v1/service/trino`);
    expect(r.status).toBe(502);
  });
});
