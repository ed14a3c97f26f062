import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoreEvent } from '../src/core/events.js';
import { ROOT } from './helpers.js';

interface PackageJson {
  bin: Record<string, string>;
  exports: Record<string, string>;
}

/** What package.json promises resolves in the built package (tests run after `npm run build`). */
describe('the built package', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;

  it.each(Object.entries(pkg.exports))('export %s points at a file that exists', (_name, target) => {
    expect(fs.existsSync(path.join(ROOT, target))).toBe(true);
  });

  it('the library entry offers the cluster operations', async () => {
    const api = (await import(path.join(ROOT, pkg.exports['.'] as string))) as Record<string, unknown>;
    for (const name of ['loadClusterConfig', 'startCluster', 'stopCluster', 'execOnNodes', 'createWorkspace']) {
      expect(typeof api[name], name).toBe('function');
    }
  });

  it('the bin runs the bundled CLI', () => {
    const bin = fs.readFileSync(path.join(ROOT, pkg.bin.cloudtik as string), 'utf8');
    // The whole command line, and the node services' entry (see bin/cloudtik.js).
    const targets = [...bin.matchAll(/'(\.\.\/dist\/bin\/[^']+\.js)'/g)].map((m) => m[1] as string);
    expect(targets.sort()).toEqual(['../dist/bin/main.js', '../dist/bin/service.js']);
    for (const target of targets) expect(fs.existsSync(path.join(ROOT, 'bin', target))).toBe(true);
  });
});

describe('the bundled Kubernetes client', () => {
  const client = (): typeof import('../src/providers/kubernetes/client-lib.js') =>
    createRequire(import.meta.url)(path.join(ROOT, 'dist/bin/kube-client.cjs')) as never;

  /** A kubeconfig of one cluster behind `proxyUrl`. */
  function config(proxyUrl: string): InstanceType<ReturnType<typeof client>['kubeClient']['KubeConfig']> {
    const kc = new (client().kubeClient.KubeConfig)();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', proxyUrl, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    return kc;
  }

  it('makes a SOCKS agent for a socks proxy-url (that package is loaded only then)', async () => {
    const opts: { agent?: unknown } = {};
    await config('socks5h://127.0.0.1:1080').applyToHTTPSOptions(opts);
    const agent = opts.agent as { constructor: { name: string }; proxy: Record<string, unknown> };
    expect(agent.constructor.name).toBe('SocksProxyAgent');
    expect(agent.proxy).toMatchObject({ host: '127.0.0.1', port: 1080, type: 5 });
  });

  it('makes an HTTPS proxy agent for an http proxy-url', async () => {
    const opts: { agent?: unknown } = {};
    await config('http://127.0.0.1:3128').applyToHTTPSOptions(opts);
    expect((opts.agent as { constructor: { name: string } }).constructor.name).toBe('HttpsProxyAgent');
  });
});

describe('the download cache', () => {
  it('fills one entry once when two installs of a start fetch the Node runtime at the same time', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-cache-'));
    const before = process.env.CLOUDTIK_IMAGE_CACHE;
    process.env.CLOUDTIK_IMAGE_CACHE = cache;
    try {
      const { fetchNodeRuntime } = await import('../src/core/host/package.js');
      const events: CoreEvent[] = [];
      const opts = { sink: (e: CoreEvent) => events.push(e) };
      const [a, b] = await Promise.all([fetchNodeRuntime('x86_64', opts), fetchNodeRuntime('x86_64', opts)]);
      expect(a).toEqual(b);
      const fetches = events.filter(
        (e) => e.type === 'step' && e.state === 'start' && e.title.startsWith('Fetch node-'),
      );
      expect(fetches).toHaveLength(1);
      // Nothing half written is left beside the entries.
      const left = fs.readdirSync(path.join(cache, 'packages')).filter((f) => f.includes('tmp'));
      expect(left).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.CLOUDTIK_IMAGE_CACHE;
      else process.env.CLOUDTIK_IMAGE_CACHE = before;
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }, 120_000);
});
