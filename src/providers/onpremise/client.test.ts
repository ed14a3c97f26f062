import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudtikError } from '../../core/errors.js';
import {
  firstExternalIPv4,
  PoolCallError,
  PoolClient,
  reachableAddress,
  refusalError,
  splitAddress,
} from './client.js';

describe('addresses', () => {
  it.each([
    ['10.0.0.1:9000', { host: '10.0.0.1', port: 9000 }],
    ['pool.example', { host: 'pool.example', port: 8282 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    ['[fe80::1]', { host: 'fe80::1', port: 8282 }],
    ['fe80::1', { host: 'fe80::1', port: 8282 }],
  ])('%s', (address, parts) => {
    expect(splitAddress(address)).toEqual(parts);
  });

  it('reaches a service bound to every address at the first non-loopback IPv4 address', () => {
    const lo = { address: '127.0.0.1', family: 'IPv4', internal: true } as const;
    const eth = { address: '192.168.1.7', family: 'IPv4', internal: false } as const;
    expect(firstExternalIPv4({ lo: [lo as never], eth0: [eth as never] })).toBe('192.168.1.7');
    expect(reachableAddress('10.1.2.3', 8282)).toBe('10.1.2.3:8282');
    expect(reachableAddress('::1', 8282)).toBe('[::1]:8282');
    expect(reachableAddress('0.0.0.0', 8282)).toBe(`${firstExternalIPv4() ?? '127.0.0.1'}:8282`);
  });
});

describe('refusals', () => {
  it.each([
    ['no_capacity', 409, 'create_node', 'ERR_CLOUDTIK_CAPACITY'],
    ['bad_request', 400, 'status', 'ERR_CLOUDTIK_USAGE'],
    ['not_found', 404, 'delete_workspace', 'ERR_CLOUDTIK_WORKSPACE'],
    ['conflict', 409, 'set_node_tags', 'ERR_CLOUDTIK_CLUSTER'],
    ['unauthorized', 401, 'status', 'ERR_CLOUDTIK_CONFIG'],
  ] as const)('%s becomes %s', (code, status, method, errorCode) => {
    const err = refusalError('h:1', method, status, { error: { code, message: 'why' } });
    expect(err).toBeInstanceOf(PoolCallError);
    expect([err.code, (err as PoolCallError).poolCode]).toEqual([errorCode, code]);
  });

  it('says where the token is on a 401, and what is odd about an answer it does not know', () => {
    const denied = refusalError('h:1', 'status', 401, { error: { code: 'unauthorized', message: 'wrong token' } });
    expect(denied.message).toBe('the host-pool service at h:1 refused the token: wrong token');
    expect(denied.hint).toContain('cloudtik-cloud-simulator.token');
    expect(denied.hint).toContain('CLOUDTIK_SIMULATOR_TOKEN');
    expect(refusalError('h:1', 'status', 502, '<html>').message).toBe(
      'the host-pool service at h:1 answered status with HTTP 502 and no error it knows',
    );
  });
});

describe('calls', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  async function serve(handler: http.RequestListener): Promise<string> {
    server = http.createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('sends the method, its arguments and the token; returns the result', async () => {
    const seen: unknown[] = [];
    const address = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push([req.method, req.headers.authorization, JSON.parse(body)]);
        res.end(JSON.stringify({ name: 'ws' }));
      });
    });
    const client = new PoolClient(address, 'tok');
    expect(await client.call('get_workspace', 'ws')).toEqual({ name: 'ws' });
    client.close();
    expect(seen).toEqual([['POST', 'Bearer tok', { type: 'get_workspace', args: ['ws'] }]]);
  });

  it('turns a refused launch into a capacity error', async () => {
    const address = await serve((_req, res) => {
      res.statusCode = 409;
      res.end(JSON.stringify({ error: { code: 'no_capacity', message: "no free host of instance type 't'" } }));
    });
    const client = new PoolClient(address, 'tok');
    await expect(client.call('create_node', { instance_type: 't' }, {}, 1)).rejects.toMatchObject({
      code: 'ERR_CLOUDTIK_CAPACITY',
      message: "no free host of instance type 't'",
    });
    client.close();
  });

  it('gives up at its deadline', async () => {
    const address = await serve(() => undefined);
    const client = new PoolClient(address, 'tok', { timeoutMs: 200 });
    const err = (await client.call('status').catch((e: unknown) => e)) as CloudtikError;
    expect([err.code, err.message]).toEqual([
      'ERR_CLOUDTIK_TIMEOUT',
      `the host-pool service at ${address} did not answer status within 0.2 s`,
    ]);
    client.close();
  });

  it('says no service answers where nothing listens', async () => {
    const address = await serve(() => undefined);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const err = (await new PoolClient(address, 'tok').call('status').catch((e: unknown) => e)) as CloudtikError;
    expect(err.message).toBe(`no host-pool service answers at ${address} (ECONNREFUSED)`);
    expect(err.hint).toBe('start it on the machine at that address: cloudtik simulator POOL.yaml');
  });
});
