import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allocate, listedHosts, reconcile } from './hosts.js';
import { HostStateStore } from './store.js';

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-local-state-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const hosts = listedHosts(Array.from({ length: 8 }, (_, i) => ({ ip: `10.0.0.${i + 1}` })));

describe('host state store', () => {
  it('starts empty, writes CloudTik-shaped JSON readable only by its owner, and leaves no temporary file', async () => {
    const store = new HostStateStore(path.join(dir, 'local', 'cloudtik-local-scheduler.state'));
    expect(await store.read()).toEqual({ nodes: {} });
    await store.update((s) => ({ state: reconcile(s, hosts), result: undefined }));
    const json = JSON.parse(await fsp.readFile(store.file, 'utf8')) as { nodes: Record<string, unknown> };
    expect(json.nodes['10.0.0.1']).toEqual({
      name: '10.0.0.1',
      ip: '10.0.0.1',
      tags: {},
      state: 'terminated',
      instance_type: 'default',
    });
    expect((await fsp.stat(store.file)).mode & 0o777).toBe(0o600);
    expect(await fsp.readdir(path.dirname(store.file))).toEqual(['cloudtik-local-scheduler.state']);
  });

  it('never hands one host to two allocations running at the same time', async () => {
    const store = new HostStateStore(path.join(dir, 'state'));
    await store.update((s) => ({ state: reconcile(s, hosts), result: undefined }));
    const picks = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        store.update((s) => {
          const tags = { 'cloudtik-cluster-name': `c${i}`, 'cloudtik-workspace-name': 'default' };
          const { state, ids } = allocate(s, {
            kind: 'worker',
            instanceType: 'default',
            count: 1,
            tags,
            headHost: '10.0.0.1',
          });
          return { state, result: ids[0] };
        }),
      ),
    );
    expect(new Set(picks).size).toBe(7);
    expect(picks).not.toContain('10.0.0.1');
  });

  it('refuses a damaged file instead of treating it as no hosts in use', async () => {
    const store = new HostStateStore(path.join(dir, 'state'));
    await fsp.writeFile(store.file, '{"nodes": {"10.0.0.1": {"ip": "10.0.0.1", "state": "runn');
    await expect(store.read()).rejects.toThrow(/state file .* is damaged/);
    await fsp.writeFile(store.file, '{"nodes": {"10.0.0.1": {"ip": "10.0.0.1", "state": "busy", "tags": {}}}}');
    await expect(store.update((s) => ({ state: s, result: 1 }))).rejects.toThrow(
      'host "10.0.0.1" is not a {ip, state, tags} record',
    );
  });
});
