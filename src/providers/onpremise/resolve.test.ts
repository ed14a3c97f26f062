import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadClusterConfig } from '../../config/load.js';
import { startPoolServer, type RunningPool } from './pool/server.js';

let dir: string;
let pool: RunningPool;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-onprem-config-'));
  vi.stubEnv('CLOUDTIK_HOME', path.join(dir, 'home'));
  vi.stubEnv('CLOUDTIK_USER_TEMPLATES', '');
  const poolFile = path.join(dir, 'pool.yaml');
  await fsp.writeFile(
    poolFile,
    'instance_types:\n  your_instance_type: {CPU: 4, memory: 4G}\nnodes:\n  - {ip: 10.1.0.1, instance_type: your_instance_type}\n',
  );
  pool = await startPoolServer({ configFile: poolFile, port: 0, echo: () => undefined });
});

afterEach(async () => {
  await pool.close();
  vi.unstubAllEnvs();
  await fsp.rm(dir, { recursive: true, force: true });
});

/** CloudTik's example cluster for onpremise, with the address filled in. */
function example(instanceType: string, address?: string): string {
  return `cluster_name: example
workspace_name: example-workspace
docker:
    enabled: False
provider:
    type: onpremise
${address ? `    cloud_simulator_address: ${address}\n` : ''}auth:
    ssh_user: ubuntu
available_node_types:
    head.default:
        node_config:
            instance_type: ${instanceType}
    worker.default:
        node_config:
            instance_type: ${instanceType}
`;
}

async function load(text: string): Promise<Awaited<ReturnType<typeof loadClusterConfig>>> {
  const file = path.join(dir, 'example.yaml');
  await fsp.writeFile(file, text);
  return loadClusterConfig(file);
}

describe('an onpremise config takes the pool service address and instance types', () => {
  it('sizes node types from the pool, found from the service running on this machine', async () => {
    const { config } = await load(example('your_instance_type'));
    expect(config.provider.cloud_simulator_address).toBe(pool.address);
    expect(config.available_node_types['worker.default']!.resources).toMatchObject({ CPU: 4, memory: 4 * 2 ** 30 });
  });

  it('a type the pool lacks is an error at its line, naming the pool and its types', async () => {
    const err = await load(example('my_instance_type', pool.address)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    expect(issues).toContain(
      `13:28 available_node_types.head.default.node_config.instance_type: instance type 'my_instance_type' is not defined in the host pool at ${pool.address} (it has: your_instance_type)`,
    );
  });

  it('a pool that does not answer is a clear error', async () => {
    await pool.close();
    const err = await load(example('your_instance_type', pool.address)).catch((e: unknown) => e);
    expect(String(err)).toMatch(new RegExp(`no host-pool service answers at ${pool.address.replace(/\./g, '\\.')}`));
    pool = await startPoolServer({ configFile: path.join(dir, 'pool.yaml'), port: 0, echo: () => undefined });
  });
});
