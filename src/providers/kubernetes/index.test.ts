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
});
