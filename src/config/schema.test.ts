import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_KEYS } from './commands.js';
import { isPlainObject } from './merge.js';
import { assetDir } from './paths.js';
import { checkSchema, loadSchema } from './schema-check.js';
import { parseYamlSource } from './yaml-source.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return entry.name.endsWith('.yaml') ? [full] : [];
  });
}

describe('schemas', () => {
  it.each(['cluster', 'workspace'] as const)('%s.json has an $id, a title and closed top level', (name) => {
    const schema = loadSchema(name);
    expect(schema.$id).toMatch(/^urn:cloudtik:schema:/);
    expect(schema.title).toBeTruthy();
    expect(schema.additionalProperties).toBe(false);
  });

  it('accepts every CloudTik top-level cluster key', () => {
    const properties = loadSchema('cluster').properties as Record<string, unknown>;
    const keys = [
      'workspace_name',
      'cluster_name',
      'from',
      'min_workers',
      'max_workers',
      'cloudtik_wheel_url',
      'cloudtik_package_url',
      'python_version',
      'encryption',
      'encryption.key',
      'options',
      'provider',
      'auth',
      'docker',
      'head_node_type',
      'head_node',
      'available_node_types',
      'file_mounts',
      'cluster_synced_files',
      'file_mounts_sync_continuously',
      'rsync_exclude',
      'rsync_filter',
      'metadata',
      'runtime',
      'merged_commands',
      'no_restart',
      'no_controller_on_head',
      'bootstrapped',
      ...COMMAND_KEYS,
    ];
    expect(Object.keys(properties).sort()).toEqual([...keys].sort());
  });

  it('gives main keys a description for editors', () => {
    const properties = loadSchema('cluster').properties as Record<string, unknown>;
    for (const key of [
      'cluster_name',
      'workspace_name',
      'provider',
      'auth',
      'docker',
      'available_node_types',
      'runtime',
    ]) {
      const entry = properties[key];
      expect(isPlainObject(entry) && typeof entry.description === 'string', key).toBe(true);
    }
  });

  it('accepts a config using every documented key', () => {
    const issues = checkSchema(
      {
        workspace_name: 'ws',
        cluster_name: 'c1',
        min_workers: 1,
        max_workers: 4,
        cloudtik_package_url: 'file:///x/cloudtik-0.1.0.tgz',
        python_version: '3.10',
        encryption: { key: 'a'.repeat(64) },
        'encryption.key': 'B'.repeat(64),
        options: {
          upscaling_speed: 1.5,
          idle_timeout_minutes: 0,
          launch_with_strong_priority: true,
          stable_node_seq_id: true,
          retry_setup_command: true,
          retry_start_command: false,
          number_of_retries: 3,
          retry_interval: 2,
          use_hostname: false,
          use_fqdn: false,
        },
        provider: { type: 'virtual', use_internal_ips: true, enable_port_mapping: true, port_mapping_base: 10000 },
        auth: { ssh_user: 'ubuntu', ssh_port: 22, ssh_private_key: '~/.ssh/id', ssh_proxy_command: 'nc %h %p' },
        docker: {
          enabled: true,
          image: 'img',
          container_name: 'c',
          pull_before_run: false,
          run_options: ['--x'],
          head_image: 'h',
          worker_image: 'w',
          head_run_options: [],
          worker_run_options: [],
          initialization_commands: ['a'],
        },
        head_node_type: 'head.default',
        available_node_types: {
          'worker.default': {
            node_config: {
              instance_type: { CPU: 2, GPU: 0, memory: 1073741824 },
              data_disks: ['/d'],
              data_dirs: ['/s'],
            },
            min_workers: 1,
            max_workers: 2,
            launch_priority: 0,
            resources: { custom: 1 },
            worker_setup_commands: ['x'],
            runtime: { types: [], envs: { A: 'b' } },
            docker: { worker_image: 'w', worker_run_options: [], pull_before_run: true },
          },
        },
        file_mounts: { '/remote': '/local' },
        cluster_synced_files: [],
        file_mounts_sync_continuously: false,
        rsync_exclude: ['*.pyc'],
        rsync_filter: ['.gitignore'],
        metadata: { owner: 'me' },
        runtime: { types: [], envs: { N: 1, B: true }, scaling: {}, spark: { config: {} } },
        ...Object.fromEntries(COMMAND_KEYS.map((key) => [key, ['echo']])),
      },
      { schema: 'cluster', stage: 'file', file: 'f' },
    );
    expect(issues).toEqual([]);
  });

  it.each(yamlFiles(assetDir('defaults')))('built-in %s is valid as written', (file) => {
    const { source, issues } = parseYamlSource(readFileSync(file, 'utf8'), file);
    expect(issues).toEqual([]);
    const schema = path.basename(file).startsWith('workspace') ? 'workspace' : 'cluster';
    expect(checkSchema(source.data, { schema, stage: 'file', file })).toEqual([]);
  });

  it.each<[string, string | number, boolean]>([
    ['4G', '4G', true],
    ['1024M', '1024M', true],
    ['512Mi', '512Mi', true],
    ['1.5G', '1.5G', true],
    ['4 GiB', '4 GiB', true],
    ['bytes', 1024, true],
    ['no unit', '1024', false],
    ['bad unit', '4X', false],
    ['negative', -1, false],
    ['fraction of bytes', 1.5, false],
  ])('instance_type.memory %s', (_name, memory, ok) => {
    const issues = checkSchema(
      { available_node_types: { t: { node_config: { instance_type: { memory } } } } },
      { schema: 'cluster', stage: 'file', file: 'f' },
    );
    expect(issues.length === 0).toBe(ok);
    if (!ok) expect(issues).toHaveLength(1);
  });

  it('the merged stage requires the keys a cluster needs', () => {
    const issues = checkSchema({ provider: {} }, { schema: 'cluster', stage: 'merged', file: 'f' });
    expect(issues.map((i) => i.path).sort()).toEqual(
      ['auth', 'available_node_types', 'cluster_name', 'head_node_type', 'provider.type', 'workspace_name'].sort(),
    );
  });
});
