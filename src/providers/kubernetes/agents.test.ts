import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentPool } from './agents.js';
import { kubeApi } from './api.js';

describe('AgentPool', () => {
  const ca = Buffer.from('not parsed until a connection is made');

  it('gives one kept-alive agent for the same TLS material, another for other material', () => {
    const pool = new AgentPool();
    const a = pool.shared(new https.Agent({ ca: Buffer.from('ca-1'), rejectUnauthorized: true }));
    const b = pool.shared(new https.Agent({ ca: Buffer.from('ca-1'), rejectUnauthorized: true }));
    const c = pool.shared(new https.Agent({ ca: Buffer.from('ca-2'), rejectUnauthorized: true }));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect((a as https.Agent & { keepAlive: boolean }).keepAlive).toBe(true);
  });

  it('leaves a proxy agent or no agent as they are', () => {
    const pool = new AgentPool();
    class ProxyAgent extends https.Agent {}
    const proxy = new ProxyAgent({ ca });
    expect(pool.shared(proxy)).toBe(proxy);
    expect(pool.shared(undefined)).toBeUndefined();
  });
});

/** A TLS API server on loopback that answers namespace reads and counts its connections. */
describe('calls through kubeApi', () => {
  let dir: string;
  let server: https.Server;
  let kubeconfig: string;
  const seen = { connections: 0, resumed: 0, requests: 0 };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-agents-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1'],
      ],
      { stdio: 'ignore' },
    );
    server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      seen.requests++;
      const name = req.url?.split('/').pop() ?? '';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      seen.connections++;
      if (socket.isSessionReused()) seen.resumed++;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    kubeconfig = path.join(dir, 'kubeconfig');
    const caData = fs.readFileSync(cert).toString('base64');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", certificate-authority-data: ${caData}}}]`,
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reuses one verified connection for calls one after another', async () => {
    const api = await kubeApi(kubeconfig);
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      expect((await api.core.readNamespace({ name })).metadata?.name).toBe(name);
    }
    expect(seen.requests).toBe(5);
    expect(seen.connections).toBe(1);
  });

  it('resumes the TLS session for connections opened side by side', async () => {
    const api = await kubeApi(kubeconfig);
    const before = { ...seen };
    await Promise.all(['f', 'g', 'h'].map((name) => api.core.readNamespace({ name })));
    const opened = seen.connections - before.connections;
    expect(seen.requests - before.requests).toBe(3);
    // The one kept connection serves one of them; each new one resumes the session it made.
    expect(opened).toBeGreaterThanOrEqual(2);
    expect(seen.resumed - before.resumed).toBe(opened);
  });
});
