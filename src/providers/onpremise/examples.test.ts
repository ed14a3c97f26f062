/**
 * CloudTik's onpremise example files, as shipped, with only what they ask the user to fill in:
 * the hosts' addresses, the service's address, the key path and the instance type's name.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadClusterConfig, loadWorkspaceConfig } from '../../config/load.js';
import { createWorkspace, workspaceInfo } from '../../core/workspace.js';
import { parsePoolConfig } from './pool/config.js';
import { startPoolServer } from './pool/server.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/cloudtik/onpremise');
const fixture = (name: string): Promise<string> => fsp.readFile(path.join(FIXTURES, name), 'utf8');

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-onprem-examples-'));
  vi.stubEnv('CLOUDTIK_HOME', path.join(dir, 'home'));
  vi.stubEnv('CLOUDTIK_USER_TEMPLATES', '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await fsp.rm(dir, { recursive: true, force: true });
});

const withHosts = (text: string): string => text.replace('node_1_ip', '10.1.0.1').replace('node_2_ip', '10.1.0.2');

describe("CloudTik's onpremise examples", () => {
  it('the pool file as shipped names an instance type it does not define: an error naming both', async () => {
    const text = withHosts(await fixture('example-cloud-simulator-config.yaml'));
    let err: unknown;
    try {
      parsePoolConfig(text, 'example-cloud-simulator-config.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text2 = (err as ConfigError).issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`).join('\n');
    expect(text2).toMatch(/^12:\d+ nodes\[0\]\.instance_type: .*'my_instance_type'.*your_instance_type/m);
  });

  it('with the names filled in, its workspace and cluster run against the service unchanged', async () => {
    const poolFile = path.join(dir, 'pool.yaml');
    const named = withHosts(await fixture('example-cloud-simulator-config.yaml')).replaceAll(
      'my_instance_type',
      'your_instance_type',
    );
    await fsp.writeFile(poolFile, named);
    const pool = await startPoolServer({ configFile: poolFile, port: 0, echo: () => undefined });
    try {
      const ws = path.join(dir, 'example-workspace.yaml');
      await fsp.writeFile(
        ws,
        (await fixture('example-workspace.yaml')).replace('your-cloud-simulator-ip:port', pool.address),
      );
      const workspace = (await loadWorkspaceConfig(ws)).config;
      expect((await createWorkspace(workspace)).created).toBe(true);
      const key = path.join(dir, 'key.pem');
      await fsp.writeFile(key, 'not a real key\n', { mode: 0o600 });
      const cluster = path.join(dir, 'example.yaml');
      await fsp.writeFile(
        cluster,
        (await fixture('example.yaml'))
          .replace('your-cloud-simulator-ip:port', pool.address)
          .replace('~/.ssh/your-private-key.pem', key)
          .replaceAll('my_instance_type', 'your_instance_type'),
      );
      const { config } = await loadClusterConfig(cluster);
      expect(config.provider.type).toBe('onpremise');
      expect(config.available_node_types['head.default']!.resources).toMatchObject({ CPU: 4, memory: 4 * 2 ** 30 });
      expect(await workspaceInfo(workspace)).toMatchObject({ name: 'example-workspace', clusters: [] });
    } finally {
      await pool.close();
    }
  });
});
