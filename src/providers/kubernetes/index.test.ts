import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provider } from './index.js';

describe('kubernetes workspaces without usable credentials', () => {
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-kube-home-'));
    process.env.HOME = home;
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('lists none when KUBECONFIG names files that are gone, and says so when they are used', async () => {
    process.env.KUBECONFIG = [path.join(home, 'gone'), path.join(home, 'gone-too')].join(path.delimiter);
    const workspaces = await provider.workspaces();
    expect(await workspaces.list()).toEqual([]);
    await expect(workspaces.get('w')).rejects.toThrow(/cannot read the Kubernetes credentials/);
  });

  it("uses the config's provider.kubeconfig over KUBECONFIG", async () => {
    delete process.env.KUBECONFIG;
    // An API server nobody serves: asking it fails, where no credentials would list none.
    const file = path.join(home, 'cluster-kubeconfig');
    fs.writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
    const withFile = await provider.workspaces({ type: 'kubernetes', kubeconfig: file });
    await expect(withFile.list()).rejects.toThrow();
    const without = await provider.workspaces({ type: 'kubernetes' });
    expect(await without.list()).toEqual([]);
  });
});
