import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadClusterConfig } from './load.js';
import { isLoopback } from './rules-hosts.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cloudtik-hosts-'));
  vi.stubEnv('CLOUDTIK_USER_TEMPLATES', '');
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

function write(text: string): string {
  const file = path.join(dir, 'cluster.yaml');
  writeFileSync(file, text);
  return file;
}

async function errorsOf(text: string): Promise<string[]> {
  const err = await loadClusterConfig(write(text)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
}

const LOCAL = `cluster_name: c1
provider:
  type: local
  instance_types:
    small: {CPU: 2, memory: 2G}
  nodes:
    - ip: 10.0.0.1
    - ip: 10.0.0.2
      instance_type: small
`;

describe('local provider config', () => {
  it('takes the defaults: no Docker, head and worker of instance type default, HDFS + YARN + Spark', async () => {
    const { config } = await loadClusterConfig(write(LOCAL));
    expect(config.provider.type).toBe('local');
    expect(config.docker.enabled).toBe(false);
    expect(config.workspace_name).toBe('default');
    expect(config.available_node_types['worker.default']!.node_config.instance_type).toBe('default');
    expect(config.runtime.types).toEqual(['prometheus', 'hdfs', 'yarn', 'spark']);
  });

  it('sizes a node type from the instance type it names, and `default` from this machine', async () => {
    const { config } = await loadClusterConfig(
      write(`${LOCAL}available_node_types:\n  worker.small:\n    node_config: {instance_type: small}\n`),
    );
    expect(config.available_node_types['worker.small']!.resources).toMatchObject({ CPU: 2, memory: 2 * 1024 ** 3 });
    expect(config.available_node_types['head.default']!.resources).toMatchObject({
      CPU: os.cpus().length,
      memory: os.totalmem(),
    });
  });

  it('names an undefined instance type where it is used, with the closest defined one', async () => {
    const errors = await errorsOf(
      `${LOCAL}available_node_types:\n  worker.small:\n    node_config: {instance_type: smal}\n`,
    );
    expect(errors).toEqual([
      "12:34 available_node_types.worker.small.node_config.instance_type: instance type 'smal' is not defined in provider.instance_types",
    ]);
  });

  it('refuses a host listed twice and loopback addresses, at their lines', async () => {
    const errors = await errorsOf(`${LOCAL}    - ip: 10.0.0.1\n    - ip: localhost\n  local_ip: 127.0.1.1\n`);
    expect(errors).toEqual([
      "10:11 provider.nodes[2].ip: host '10.0.0.1' is listed twice (first as provider.nodes[0])",
      "11:11 provider.nodes[3].ip: 'localhost' is a loopback address",
      "12:13 provider.local_ip: '127.0.1.1' is a loopback address",
    ]);
  });

  it('makes auth.ssh_private_key absolute, and names a missing key file at its key', async () => {
    writeFileSync(path.join(dir, 'id_hosts'), 'not a real key');
    const { config } = await loadClusterConfig(write(`${LOCAL}auth:\n  ssh_private_key: id_hosts\n`));
    expect(config.auth.ssh_private_key).toBe(path.join(dir, 'id_hosts'));
    const errors = await errorsOf(`${LOCAL}auth:\n  ssh_private_key: ./nope\n`);
    expect(errors).toEqual([`11:20 auth.ssh_private_key: private key file ${path.join(dir, 'nope')} does not exist`]);
  });

  it('knows loopback addresses', () => {
    expect(['localhost', '127.0.0.1', '127.0.1.1', '::1', 'LOCALHOST'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', 'host1', '128.0.0.1', 'localhost.example.com'].some(isLoopback)).toBe(false);
  });
});
