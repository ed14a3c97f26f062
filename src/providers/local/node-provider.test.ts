import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandRunner } from '../../core/command/runner.js';
import { allocate, listedHosts, reconcile } from './hosts.js';
import { FileHostBook } from './book.js';
import { HostNodeProvider } from './node-provider.js';
import { HostStateStore } from './store.js';

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-local-provider-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const hosts = listedHosts(['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => ({ ip })));
const tags = { 'cloudtik-cluster-name': 'c1', 'cloudtik-workspace-name': 'ws' };

async function providerWith(closed: string[]): Promise<{ provider: HostNodeProvider; store: HostStateStore }> {
  const store = new HostStateStore(path.join(dir, 'state'));
  await store.update((s) => ({ state: reconcile(s, hosts), result: undefined }));
  const provider = new HostNodeProvider({
    clusterName: 'c1',
    workspaceName: 'ws',
    book: new FileHostBook(store, '10.0.0.1'),
    lockTarget: path.join(dir, 'c1.cluster'),
    sharedHost: '10.0.0.1',
    sizeOf: () => ({ cpus: 2, memoryBytes: 2 ** 31 }),
    stateDir: path.join(dir, 'cluster'),
    sshUser: 'ubuntu',
    runnerFor: () => ({}) as CommandRunner,
    closeHost: (host) => {
      closed.push(host);
      return Promise.resolve();
    },
    closeAll: () => {
      closed.push(...hosts.map((h) => h.ip));
      return Promise.resolve();
    },
  });
  await fsp.mkdir(path.join(dir, 'cluster'));
  return { provider, store };
}

describe('local provider cleanup', () => {
  it('once no host is left, removes the cluster folder and ends the connection to every listed host', async () => {
    const closed: string[] = [];
    const { provider } = await providerWith(closed);
    await provider.cleanupCluster();
    expect(closed.sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    await expect(fsp.access(path.join(dir, 'cluster'))).rejects.toThrow();
  });

  it('while the cluster holds a host, keeps its folder and its connections', async () => {
    const closed: string[] = [];
    const { provider, store } = await providerWith(closed);
    await store.update((s) => ({
      state: allocate(s, { kind: 'head', instanceType: 'default', count: 1, tags, headHost: '10.0.0.1' }).state,
      result: undefined,
    }));
    await provider.cleanupCluster();
    expect(closed).toEqual([]);
    await fsp.access(path.join(dir, 'cluster'));
  });
});
