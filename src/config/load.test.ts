import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadClusterConfig, loadWorkspaceConfig } from './load.js';
import type { ConfigIssue } from './types.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/cloudtik');
const GiB = 1024 ** 3;
/** The built-in node service commands every config gets (no user or runtime commands). */
const HEAD_START = [
  'cloudtik node start --head --state',
  'cloudtik node start --head --controller --restart',
  'cloudtik node start --head --restart',
];
const HEAD_STOP = ['cloudtik node stop --controller', 'cloudtik node stop', 'cloudtik node stop --state'];
const cloudtik = (commands: string[]) => ({ group_name: 'cloudtik', commands });
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cloudtik-config-'));
  vi.stubEnv('CLOUDTIK_USER_TEMPLATES', '');
  vi.stubEnv('CLOUDTIK_DEFAULT_MAX_WORKERS', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function brief(issues: ConfigIssue[]): Array<Partial<ConfigIssue>> {
  return issues.map(({ line, col, path: p, message, hint }) => ({ line, col, path: p, message, hint }));
}

const MINIMAL = `cluster_name: demo
provider:
  type: virtual
`;

describe('CloudTik example files load unchanged', () => {
  it('examples/cluster/virtual/example.yaml', async () => {
    const { config, warnings } = await loadClusterConfig(path.join(FIXTURES, 'example.yaml'));
    expect(warnings).toEqual([]);
    expect(config.cluster_name).toBe('example');
    expect(config.workspace_name).toBe('example-workspace');
    expect(config.provider).toEqual({ type: 'virtual', use_internal_ips: true });
    expect(config.auth).toEqual({ ssh_user: 'ubuntu' });
    expect(config.head_node_type).toBe('head.default');
    expect(Object.keys(config.available_node_types).sort()).toEqual(['head.default', 'worker.default']);
    expect(config.available_node_types['worker.default']).toMatchObject({
      min_workers: 3,
      max_workers: 32,
      resources: { CPU: 4, memory: 4 * GiB, 'worker.default': 1 },
    });
    expect(config.available_node_types['head.default']).toMatchObject({
      min_workers: 0,
      max_workers: 0,
      resources: { CPU: 4, memory: 4 * GiB, 'head.default': 1 },
    });
    expect(config.max_workers).toBe(32);
    expect(config.options).toEqual({ upscaling_speed: 1, idle_timeout_minutes: 5 });
    expect(config.docker).toEqual({ enabled: true });
    // The virtual provider's default runtimes, like CloudTik: Spark on YARN over HDFS, and Prometheus.
    expect(config.runtime.types).toEqual(['prometheus', 'hdfs', 'yarn', 'spark']);
    // Spark has no daemon on workers (its executors run in YARN): no command for it there.
    expect(config.merged_commands.worker_start_commands.map((g) => g.group_name)).toEqual([
      'cloudtik',
      'prometheus',
      'hdfs',
      'yarn',
    ]);
    expect((config as Record<string, unknown>).from).toBeUndefined();
    expect((config as Record<string, unknown>).min_workers).toBeUndefined();
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it('examples/cluster/virtual/example-data-disks.yaml (absolute paths)', async () => {
    const { config } = await loadClusterConfig(path.join(FIXTURES, 'example-data-disks.yaml'));
    for (const name of ['head.default', 'worker.default']) {
      expect(config.available_node_types[name]?.node_config).toEqual({
        instance_type: { CPU: 4, memory: '4G' },
        data_disks: ['/tmp/cloudtik-data-disks'],
        data_dirs: ['/tmp/cloudtik-shared-data'],
      });
    }
    expect(config.available_node_types['worker.default']?.min_workers).toBe(3);
  });

  it('examples/cluster/virtual/example-workspace.yaml', async () => {
    const { config, warnings } = await loadWorkspaceConfig(path.join(FIXTURES, 'example-workspace.yaml'));
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      workspace_name: 'example-workspace',
      provider: { type: 'virtual', use_internal_ips: true },
    });
  });

  it('the developer guide example: a .whl is ignored with a warning', async () => {
    const file = path.join(FIXTURES, 'developer-guide.yaml');
    const { config, warnings } = await loadClusterConfig(file);
    expect(config.cluster_name).toBe('example');
    expect(config.available_node_types['worker.default']).toMatchObject({
      min_workers: 3,
      node_config: {
        instance_type: { CPU: 4, memory: '4G' },
        data_disks: ['/tmp/cloudtik'],
        data_dirs: ['/home/ubuntu/share'],
      },
      resources: { CPU: 4, memory: 4 * GiB, 'worker.default': 1 },
    });
    expect(brief(warnings)).toEqual([
      {
        line: 7,
        col: 21,
        path: 'cloudtik_wheel_url',
        message: 'points at a Python wheel, which cannot be installed here; it is ignored',
        hint: 'to test a development build, set cloudtik_package_url to a tarball made by `npm pack`',
      },
    ]);
    expect(warnings[0]?.file).toBe(file);
    // No package install for the ignored wheel: the first setup group is a runtime's.
    expect(config.merged_commands.worker_setup_commands[0]?.group_name).toBe('hdfs');
  });
});

describe('merged_commands', () => {
  it('puts the cloudtik install first, then the user group', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}cloudtik_package_url: file:///cloudtik/data/share/cloudtik-0.1.0.tgz
initialization_commands: [init]
head_initialization_commands: [head-init]
setup_commands: [setup]
head_setup_commands: [head-setup]
worker_setup_commands: [worker-setup]
bootstrap_commands: [boot]
start_commands: [start]
worker_start_commands: [worker-start]
head_stop_commands: [head-stop]
docker:
  initialization_commands: [docker-init]
runtime: {types: []}
`,
    );
    const { config } = await loadClusterConfig(file);
    const install = 'sudo npm install -g --no-audit --no-fund --prefer-offline /cloudtik/data/share/cloudtik-0.1.0.tgz';
    expect(config.merged_commands).toEqual({
      head_initialization_commands: [{ group_name: 'user', commands: ['init', 'docker-init', 'head-init'] }],
      worker_initialization_commands: [{ group_name: 'user', commands: ['init', 'docker-init'] }],
      head_setup_commands: [
        { group_name: 'cloudtik', commands: [install] },
        { group_name: 'user', commands: ['setup', 'head-setup', 'boot'] },
      ],
      worker_setup_commands: [
        { group_name: 'cloudtik', commands: [install] },
        { group_name: 'user', commands: ['setup', 'worker-setup', 'boot'] },
      ],
      head_start_commands: [cloudtik(HEAD_START), { group_name: 'user', commands: ['start'] }],
      worker_start_commands: [
        cloudtik(['cloudtik node start --restart']),
        { group_name: 'user', commands: ['start', 'worker-start'] },
      ],
      head_stop_commands: [cloudtik(HEAD_STOP), { group_name: 'user', commands: ['head-stop'] }],
      worker_stop_commands: [cloudtik(['cloudtik node stop'])],
    });
  });

  it('ignores docker initialization commands when docker is disabled', async () => {
    const file = write('c.yaml', `${MINIMAL}docker:\n  enabled: false\n  initialization_commands: [d]\n`);
    const { config } = await loadClusterConfig(file);
    expect(config.merged_commands.head_initialization_commands).toEqual([]);
  });

  it('gives node types with their own commands or runtime their own merged_commands', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}setup_commands: [global-setup]
worker_setup_commands: [global-worker]
available_node_types:
  worker.gpu:
    node_config: {instance_type: {CPU: 8, GPU: 1, memory: 16G}}
    worker_setup_commands: [gpu-setup]
  worker.rt:
    node_config: {}
    runtime: {envs: {A: 1}}
runtime: {types: []}
`,
    );
    const { config } = await loadClusterConfig(file);
    const gpu = config.available_node_types['worker.gpu']!;
    expect(gpu.merged_commands?.worker_setup_commands).toEqual([
      { group_name: 'user', commands: ['global-setup', 'gpu-setup'] },
    ]);
    expect(gpu.resources).toEqual({ CPU: 8, GPU: 1, 'accelerator_type:GPU': 1, memory: 16 * GiB, 'worker.gpu': 1 });
    expect(config.available_node_types['worker.rt']?.merged_commands?.worker_setup_commands).toEqual([
      { group_name: 'user', commands: ['global-setup', 'global-worker'] },
    ]);
    // A type's own runtime section is the global one (here: no runtimes) with its overrides.
    expect(config.available_node_types['worker.rt']?.runtime).toEqual({ types: [], envs: { A: '1' } });
    expect(config.available_node_types['worker.default']?.merged_commands).toBeUndefined();
    expect(config.merged_commands.worker_setup_commands).toEqual([
      { group_name: 'user', commands: ['global-setup', 'global-worker'] },
    ]);
  });
});

describe('node types and workers', () => {
  it('keeps the default node types when the user adds their own', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}available_node_types:
  worker.large:
    node_config:
      instance_type: {CPU: 16, memory: 64G}
    min_workers: 1
    resources: {custom: 2}
`,
    );
    const { config } = await loadClusterConfig(file);
    expect(Object.keys(config.available_node_types).sort()).toEqual(['head.default', 'worker.default', 'worker.large']);
    expect(config.available_node_types['worker.large']).toMatchObject({
      min_workers: 1,
      max_workers: 32,
      resources: { CPU: 16, memory: 64 * GiB, custom: 2, 'worker.large': 1 },
    });
    expect(config.available_node_types['worker.default']).toMatchObject({ min_workers: 0, max_workers: 32 });
  });

  it('max_workers defaults to the larger of the sum of min_workers and CLOUDTIK_DEFAULT_MAX_WORKERS', async () => {
    vi.stubEnv('CLOUDTIK_DEFAULT_MAX_WORKERS', '2');
    const file = write('c.yaml', `${MINIMAL}available_node_types:\n  worker.default:\n    min_workers: 3\n`);
    const { config } = await loadClusterConfig(file);
    expect(config.max_workers).toBe(3);
    expect(config.available_node_types['worker.default']?.max_workers).toBe(3);
  });

  it('a user instance_type keeps the default keys it does not set', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}available_node_types:\n  worker.default:\n    node_config: {instance_type: {CPU: 2}}\n`,
    );
    const { config } = await loadClusterConfig(file);
    expect(config.available_node_types['worker.default']?.resources).toEqual({
      CPU: 2,
      memory: 4 * GiB,
      'worker.default': 1,
    });
  });

  it('applies a top-level min_workers to the only worker type', async () => {
    const file = write('c.yaml', `${MINIMAL}min_workers: 2\n`);
    const { config } = await loadClusterConfig(file);
    expect(config.available_node_types['worker.default']?.min_workers).toBe(2);
    expect((config as Record<string, unknown>).min_workers).toBeUndefined();
  });

  it('an ambiguous top-level min_workers is an error at its key', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}min_workers: 2\navailable_node_types:\n  worker.big:\n    node_config: {}\n`,
    );
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      {
        line: 4,
        col: 1,
        path: 'min_workers',
        message: 'cannot tell which worker type min_workers applies to: worker.default, worker.big',
        hint: 'set min_workers on the node type under available_node_types instead',
      },
    ]);
  });
});

describe('overrides', () => {
  it('applies cluster and workspace names, max and min workers', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}max_workers: 4\navailable_node_types:\n  worker.default:\n    min_workers: 1\n`,
    );
    const { config, warnings } = await loadClusterConfig(file, {
      clusterName: 'other',
      workspaceName: 'ws-2',
      maxWorkers: 10,
      minWorkers: 5,
    });
    expect(config).toMatchObject({ cluster_name: 'other', workspace_name: 'ws-2', max_workers: 10 });
    expect(config.available_node_types['worker.default']).toMatchObject({ min_workers: 5, max_workers: 10 });
    expect(brief(warnings)).toEqual([
      {
        line: 7,
        col: 18,
        path: 'available_node_types.worker.default.min_workers',
        message: 'replaced by the top-level min_workers (5); it was 1',
        hint: undefined,
      },
    ]);
  });

  it('an invalid override is reported without a file position', async () => {
    const file = write('c.yaml', MINIMAL);
    const err = await configError(loadClusterConfig(file, { clusterName: 'Bad Name' }));
    expect(brief(err.issues)).toEqual([
      {
        line: undefined,
        col: undefined,
        path: 'cluster_name',
        message:
          'must use only lowercase letters, digits and dashes, and start with a letter or digit (found "Bad Name")',
        hint: 'the value comes from --cluster-name',
      },
    ]);
  });

  it('--max-workers below the sum of min_workers points at the option', async () => {
    const file = write('c.yaml', `${MINIMAL}max_workers: 10\nmin_workers: 3\n`);
    const err = await configError(loadClusterConfig(file, { maxWorkers: 2 }));
    expect(err.issues.map((i) => [i.path, i.line, i.hint])).toContainEqual([
      'max_workers',
      undefined,
      'raise max_workers or lower min_workers; the value comes from --max-workers',
    ]);
  });
});

describe('schema errors', () => {
  it('reports every error at once with file:line:col, key and hints', async () => {
    const file = write(
      'bad.yaml',
      `cluster_name: Bad_Name
min_worker: 3
provider:
  type: virtual
auth:
  ssh_usr: ubuntu
available_node_types:
  worker.default:
    min_workers: -1
    node_config:
      instance_type:
        memory: 4X
        CPU: 0
      data_disks: [relative/dir]
options:
  upscaling_speed: fast
`,
    );
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual(
      expect.arrayContaining([
        {
          line: 1,
          col: 15,
          path: 'cluster_name',
          message:
            'must use only lowercase letters, digits and dashes, and start with a letter or digit (found "Bad_Name")',
          hint: undefined,
        },
        { line: 2, col: 1, path: 'min_worker', message: 'unknown key', hint: "did you mean 'min_workers'?" },
        { line: 6, col: 3, path: 'auth.ssh_usr', message: 'unknown key', hint: "did you mean 'ssh_user'?" },
        {
          line: 9,
          col: 18,
          path: 'available_node_types.worker.default.min_workers',
          message: 'must be >= 0 (found -1)',
          hint: undefined,
        },
        {
          line: 12,
          col: 17,
          path: 'available_node_types.worker.default.node_config.instance_type.memory',
          message: 'must be a size such as 4G, 1024M or 512Mi, or a whole number of bytes (found "4X")',
          hint: undefined,
        },
        {
          line: 13,
          col: 14,
          path: 'available_node_types.worker.default.node_config.instance_type.CPU',
          message: 'must be > 0 (found 0)',
          hint: undefined,
        },
        {
          line: 14,
          col: 20,
          path: 'available_node_types.worker.default.node_config.data_disks[0]',
          message: 'must be an absolute path (starting with /) (found "relative/dir")',
          hint: undefined,
        },
        {
          line: 16,
          col: 20,
          path: 'options.upscaling_speed',
          message: 'must be a number, not string',
          hint: undefined,
        },
      ]),
    );
    expect(err.issues).toHaveLength(8);
    expect(err.code).toBe('ERR_CLOUDTIK_CONFIG');
    expect(err.message).toContain(`${file}:2:1 min_worker: unknown key\n  hint: did you mean 'min_workers'?`);
    expect(err.message).toContain(`${file}:6:3 auth.ssh_usr: unknown key`);
  });

  it('rejects a shell-carrying ssh_user and bad env names', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}auth:\n  ssh_user: "root; rm -rf /"\nruntime:\n  envs:\n    1BAD: x\n    GOOD: 1\n`,
    );
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      {
        line: 5,
        col: 13,
        path: 'auth.ssh_user',
        message:
          'must be a Unix user name: lowercase letters, digits, _ and -, not starting with a digit or - (found "root; rm -rf /")',
        hint: undefined,
      },
      {
        line: 8,
        col: 5,
        path: 'runtime.envs.1BAD',
        message:
          'invalid name: must be an environment variable name (letters, digits and _, not starting with a digit)',
        hint: undefined,
      },
    ]);
  });

  it('checks ++key lists as the list they extend and reports them under their own name', async () => {
    const file = write('c.yaml', `${MINIMAL}'++setup_commands': [1]\nsetup_commands++: [ok]\n`);
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      { line: 4, col: 22, path: '++setup_commands[0]', message: 'must be a string, not number', hint: undefined },
    ]);
    const good = write('g.yaml', `${MINIMAL}'++setup_commands': [a]\nsetup_commands++: [b]\n`);
    expect((await loadClusterConfig(good)).config.setup_commands).toEqual(['a', 'b']);
  });

  it('an unknown key far from any known one lists nothing misleading', async () => {
    const file = write('c.yaml', `${MINIMAL}auth:\n  zzzzzz: 1\n`);
    const err = await configError(loadClusterConfig(file));
    expect(err.issues[0]?.hint).toBe(
      'known keys: ssh_port, ssh_private_key, ssh_proxy_command, ssh_public_key, ssh_user',
    );
  });

  it('a missing file is a clear error', async () => {
    const err = await configError(loadClusterConfig(path.join(dir, 'nope.yaml')));
    expect(err.message).toBe(`${path.join(dir, 'nope.yaml')}: cannot read config: file not found`);
  });

  it('a YAML syntax error has a position', async () => {
    const file = write('c.yaml', 'cluster_name: x\nprovider: [\n');
    const err = await configError(loadClusterConfig(file));
    expect(err.issues[0]).toMatchObject({ file, line: 3, path: '' });
    expect(err.issues[0]?.message).toMatch(/^YAML: /);
  });

  it('a file that is not a mapping is an error', async () => {
    const err = await configError(loadClusterConfig(write('c.yaml', '- a\n- b\n')));
    expect(err.issues[0]?.message).toBe('the config must be a mapping of keys to values');
  });
});

describe('semantic rules', () => {
  it('an unknown head_node_type is reported with did-you-mean', async () => {
    const file = write('c.yaml', `${MINIMAL}head_node_type: head.defualt\n`);
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      {
        line: 4,
        col: 17,
        path: 'head_node_type',
        message: "'head.defualt' is not one of available_node_types",
        hint: "did you mean 'head.default'?",
      },
    ]);
  });

  it('the sum of min_workers above max_workers is reported at max_workers', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}max_workers: 3
available_node_types:
  worker.default:
    min_workers: 2
  worker.big:
    node_config: {}
    min_workers: 2
`,
    );
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      {
        line: 4,
        col: 14,
        path: 'max_workers',
        message: 'max_workers (3) is less than the sum of min_workers of all node types (4)',
        hint: 'raise max_workers or lower min_workers',
      },
    ]);
  });

  it('per type min_workers above max_workers is reported at min_workers', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}available_node_types:\n  worker.default:\n    min_workers: 3\n    max_workers: 2\n`,
    );
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toContainEqual({
      line: 6,
      col: 18,
      path: 'available_node_types.worker.default.min_workers',
      message: 'min_workers (3) is more than max_workers (2)',
      hint: undefined,
    });
  });

  it('rejects invalid node type names', async () => {
    const file = write('c.yaml', `${MINIMAL}available_node_types:\n  "bad name":\n    node_config: {}\n`);
    const err = await configError(loadClusterConfig(file));
    expect(err.issues[0]).toMatchObject({
      line: 5,
      col: 3,
      path: 'available_node_types.bad name',
      message: 'invalid node type name',
    });
  });

  it('file_mounts sources must exist; relative ones are resolved against the config folder', async () => {
    write('data/input.txt', 'x');
    const file = write(
      'c.yaml',
      `${MINIMAL}file_mounts:\n  /remote/input.txt: data/input.txt\n  /remote/missing: ./missing\n`,
    );
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      {
        line: 6,
        col: 20,
        path: 'file_mounts./remote/missing',
        message: `local path ${path.join(dir, 'missing')} does not exist`,
        hint: undefined,
      },
    ]);
    const ok = write('ok.yaml', `${MINIMAL}file_mounts:\n  /remote/input.txt: data/input.txt\n`);
    expect((await loadClusterConfig(ok)).config.file_mounts).toEqual({
      '/remote/input.txt': path.join(dir, 'data/input.txt'),
    });
  });

  it('unknown runtimes are errors, globally and per node type', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}runtime:\n  types: [sparkk]\navailable_node_types:\n  worker.default:\n    runtime: {types: [storm]}\n`,
    );
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      {
        line: 5,
        col: 11,
        path: 'runtime.types[0]',
        message: "unknown runtime 'sparkk'",
        hint: "did you mean 'spark'?",
      },
      {
        line: 8,
        col: 23,
        path: 'available_node_types.worker.default.runtime.types[0]',
        message: "unknown runtime 'storm'",
        hint: 'available runtimes: prometheus, hdfs, yarn, spark, zookeeper, kafka, flink, mysql, postgres, metastore, trino, presto',
      },
    ]);
  });

  it('cloudtik_package_url and a different usable cloudtik_wheel_url conflict', async () => {
    const file = write(
      'c.yaml',
      `${MINIMAL}cloudtik_package_url: https://h/a.tgz\ncloudtik_wheel_url: https://h/b.tgz\n`,
    );
    const err = await configError(loadClusterConfig(file));
    expect(err.issues[0]).toMatchObject({ line: 5, col: 21, path: 'cloudtik_wheel_url' });
    const same = write(
      's.yaml',
      `${MINIMAL}cloudtik_package_url: https://h/a.tgz\ncloudtik_wheel_url: https://h/a.tgz\n`,
    );
    await expect(loadClusterConfig(same)).resolves.toBeDefined();
  });

  it('unknown provider keys are warnings', async () => {
    const file = write('c.yaml', `cluster_name: demo\nprovider:\n  type: virtual\n  use_internal_ip: false\n`);
    const { warnings } = await loadClusterConfig(file);
    expect(brief(warnings)).toEqual([
      {
        line: 4,
        col: 3,
        path: 'provider.use_internal_ip',
        message: "unknown provider key for provider 'virtual'; it is passed on as it is",
        hint: "did you mean 'use_internal_ips'?",
      },
    ]);
  });

  it('runtime.envs values become strings', async () => {
    const file = write('c.yaml', `${MINIMAL}runtime:\n  envs: {A: 1, B: true, C: x}\n`);
    expect((await loadClusterConfig(file)).config.runtime.envs).toEqual({ A: '1', B: 'true', C: 'x' });
  });
});

describe('from: templates', () => {
  function useTemplates(...dirs: string[]): void {
    vi.stubEnv('CLOUDTIK_USER_TEMPLATES', dirs.join(','));
  }

  it('loads a user template and merges the file on top', async () => {
    const templates = path.join(dir, 'templates');
    write(
      'templates/small.yaml',
      `provider: {type: virtual}
available_node_types:
  worker.default:
    node_config:
      instance_type: {CPU: 2, memory: 2G}
setup_commands: [base]
runtime: {types: []}
`,
    );
    useTemplates(templates);
    const file = write('c.yaml', `cluster_name: demo\nfrom: small\nsetup_commands++: [mine]\n`);
    const { config } = await loadClusterConfig(file);
    expect(config.available_node_types['worker.default']?.resources).toEqual({
      CPU: 2,
      memory: 2 * GiB,
      'worker.default': 1,
    });
    expect(config.setup_commands).toEqual(['base', 'mine']);
    expect(config.merged_commands.head_setup_commands).toEqual([{ group_name: 'user', commands: ['base', 'mine'] }]);
    expect(config.provider.type).toBe('virtual');
  });

  it('follows nested from: in order, with explicit extensions and sub-folders', async () => {
    write('t1/a.yaml', 'from: sub/b.yaml\ncluster_name: from-a\noptions: {idle_timeout_minutes: 1}\n');
    write('t2/sub/b.yaml', 'from: c\ncluster_name: from-b\nworkspace_name: ws-b\noptions: {upscaling_speed: 2}\n');
    write('t2/c.yaml', 'provider: {type: virtual}\ncluster_name: from-c\nmax_workers: 7\n');
    useTemplates(path.join(dir, 't1'), path.join(dir, 't2'));
    const file = write('c.yaml', 'from: a\n');
    const { config } = await loadClusterConfig(file);
    expect(config).toMatchObject({
      cluster_name: 'from-a',
      workspace_name: 'ws-b',
      max_workers: 7,
      options: { upscaling_speed: 2, idle_timeout_minutes: 1 },
    });
  });

  it('a user template shadows a built-in one of the same name', async () => {
    write('t/x.yaml', 'cluster_name: user-x\n');
    useTemplates(path.join(dir, 't'));
    const { config } = await loadClusterConfig(write('c.yaml', 'from: x\nprovider: {type: virtual}\n'));
    expect(config.cluster_name).toBe('user-x');
  });

  it('reports a cycle with the chain', async () => {
    const a = write('t/a.yaml', 'from: b\n');
    const b = write('t/b.yaml', 'from: a\n');
    useTemplates(path.join(dir, 't'));
    const file = write('c.yaml', `${MINIMAL}from: a\n`);
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      {
        line: 1,
        col: 7,
        path: 'from',
        message: `templates form a cycle: ${file} -> ${a} -> ${b} -> ${a}`,
        hint: undefined,
      },
    ]);
    expect(err.issues[0]?.file).toBe(b);
  });

  it('requires template provider types to match', async () => {
    const t = write('t/aws.yaml', 'provider:\n  type: aws\n');
    useTemplates(path.join(dir, 't'));
    const err = await configError(loadClusterConfig(write('c.yaml', `${MINIMAL}from: aws\n`)));
    expect(err.issues).toEqual([
      {
        severity: 'error',
        file: t,
        line: 2,
        col: 9,
        path: 'provider.type',
        message: "template provider type 'aws' does not match 'virtual'",
        hint: `the config uses provider 'virtual' (from ${path.join(dir, 'c.yaml')})`,
      },
    ]);
  });

  it('takes the provider type from a template when the file has none', async () => {
    write('t/base.yaml', 'provider:\n  type: virtual\n');
    useTemplates(path.join(dir, 't'));
    const { config } = await loadClusterConfig(write('c.yaml', 'from: base\n'));
    expect(config.provider).toEqual({ type: 'virtual', use_internal_ips: true });
  });

  it('a missing template says where it looked, or what was meant', async () => {
    write('t/small.yaml', 'cluster_name: x\n');
    useTemplates(path.join(dir, 't'));
    const typo = await configError(loadClusterConfig(write('a.yaml', `${MINIMAL}from: smal\n`)));
    expect(brief(typo.issues)).toEqual([
      { line: 4, col: 7, path: 'from', message: "template 'smal' not found", hint: "did you mean 'small'?" },
    ]);
    const far = await configError(loadClusterConfig(write('b.yaml', `${MINIMAL}from: something-else\n`)));
    expect(far.issues[0]?.hint).toMatch(
      new RegExp(
        `^looked for something-else.yaml in: ${path.join(dir, 't')}, .*templates \\(add folders with CLOUDTIK_USER_TEMPLATES\\)$`,
      ),
    );
  });

  it('checks templates against the schema and points into the template', async () => {
    const t = write('t/base.yaml', 'provider: {type: virtual}\nmin_worker: 1\n');
    useTemplates(path.join(dir, 't'));
    const err = await configError(loadClusterConfig(write('c.yaml', 'from: base\n')));
    expect(err.issues).toEqual([
      {
        severity: 'error',
        file: t,
        line: 2,
        col: 1,
        path: 'min_worker',
        message: 'unknown key',
        hint: "did you mean 'min_workers'?",
      },
    ]);
  });

  it('an unknown provider type gets a did-you-mean', async () => {
    const err = await configError(loadClusterConfig(write('c.yaml', 'provider:\n  type: virtaul\n')));
    expect(brief(err.issues)).toEqual([
      {
        line: 2,
        col: 9,
        path: 'provider.type',
        message: "unknown provider type 'virtaul'",
        hint: "did you mean 'virtual'?",
      },
    ]);
  });

  it('a config with no provider type at all is an error', async () => {
    const err = await configError(loadClusterConfig(write('c.yaml', 'cluster_name: x\n')));
    expect(brief(err.issues)).toEqual([
      {
        line: undefined,
        col: undefined,
        path: 'provider.type',
        message: 'is required',
        hint: 'set provider.type to one of: kubernetes, local, onpremise, virtual',
      },
    ]);
  });
});

describe('loadWorkspaceConfig', () => {
  it('applies the workspace name override', async () => {
    const file = write('w.yaml', 'workspace_name: one\nprovider:\n  type: virtual\n');
    const { config } = await loadWorkspaceConfig(file, { workspaceName: 'two' });
    expect(config.workspace_name).toBe('two');
  });

  it('reports bad names and unknown keys with positions', async () => {
    const file = write('w.yaml', 'workspace_name: My_WS\nprovider:\n  type: virtual\nworkspace_nme: x\n');
    const err = await configError(loadWorkspaceConfig(file));
    expect(brief(err.issues)).toEqual([
      {
        line: 1,
        col: 17,
        path: 'workspace_name',
        message: 'must use only lowercase letters, digits and dashes (found "My_WS")',
        hint: undefined,
      },
      { line: 4, col: 1, path: 'workspace_nme', message: 'unknown key', hint: "did you mean 'workspace_name'?" },
    ]);
  });

  it('a workspace with only a provider gets the default name', async () => {
    const { config } = await loadWorkspaceConfig(write('w.yaml', 'provider: {type: virtual}\n'));
    expect(config.workspace_name).toBe('default');
  });
});

describe('more loader behaviour', () => {
  it('an unknown ++key is named as written, with a did-you-mean on the list it extends', async () => {
    const file = write('c.yaml', `${MINIMAL}'++setup_comands': [x]\n`);
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      { line: 4, col: 1, path: '++setup_comands', message: 'unknown key', hint: "did you mean 'setup_commands'?" },
    ]);
  });

  it('a node type the user adds needs a node_config', async () => {
    const file = write('c.yaml', `${MINIMAL}available_node_types:\n  worker.x:\n    min_workers: 1\n`);
    const err = await configError(loadClusterConfig(file));
    expect(brief(err.issues)).toEqual([
      {
        line: 5,
        col: 3,
        path: 'available_node_types.worker.x.node_config',
        message: 'is required',
        hint: undefined,
      },
    ]);
  });

  it('a loaded config written as JSON loads again to the same config', async () => {
    write('data/x', 'x');
    const file = write(
      'c.yaml',
      `${MINIMAL}cloudtik_package_url: https://h/c.tgz
file_mounts: {/r/x: data/x}
setup_commands: [s]
available_node_types:
  worker.default: {min_workers: 2, worker_setup_commands: [w]}
`,
    );
    const first = await loadClusterConfig(file);
    const again = await loadClusterConfig(write('bootstrapped.json', JSON.stringify(first.config)));
    expect(again.config).toEqual(first.config);
  });

  it('a package URL with shell characters reaches the command as one quoted word', async () => {
    const marker = path.join(dir, 'pwned');
    const url = `https://h/$(touch${'${IFS}'}${marker})\`id\`'"x".tgz`;
    const file = write('c.yaml', `${MINIMAL}cloudtik_package_url: ${JSON.stringify(url)}\n`);
    const { config } = await loadClusterConfig(file);
    const command = config.merged_commands.head_setup_commands[0]?.commands[0] ?? '';
    const prefix = 'sudo npm install -g --no-audit --no-fund --prefer-offline ';
    expect(command.startsWith(prefix)).toBe(true);
    const out = execFileSync('bash', ['-c', `printf '%s\\0' ${command.slice(prefix.length)}`], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual([url]);
    expect(existsSync(marker)).toBe(false);
  });

  it('a package URL with a newline or space is rejected by the schema', async () => {
    const file = write('c.yaml', `${MINIMAL}cloudtik_package_url: "https://h/a.tgz\\ntouch /tmp/x"\n`);
    const err = await configError(loadClusterConfig(file));
    expect(err.issues[0]).toMatchObject({ line: 4, col: 23, path: 'cloudtik_package_url' });
  });
});

describe('errors all at once', () => {
  it('reports a schema error and a semantic error of the same file together', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-all-at-once-'));
    const file = path.join(dir, 'c.yaml');
    await fsp.writeFile(
      file,
      'cluster_name: c\nworkspace_name: w\nprovider:\n  type: virtual\nauth:\n  ssh_usr: ubuntu\nhead_node_type: head.defualt\n',
    );
    const err = (await loadClusterConfig(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    const text = err.issues.map((i) => `${i.line ?? '?'}:${i.col ?? '?'} ${i.path}`);
    expect(text).toContain('6:3 auth.ssh_usr');
    expect(text.some((t) => t.startsWith('7:') && t.endsWith('head_node_type'))).toBe(true);
    await fsp.rm(dir, { recursive: true, force: true });
  });
});

describe('runtimes', () => {
  const SPARK = `${MINIMAL}runtime:\n  types: [prometheus, hdfs, spark]\n`;

  it('orders them, adds required ones, fills defaults and sizes Spark from the worker type', async () => {
    const { config } = await loadClusterConfig(write('c.yaml', SPARK));
    expect(config.runtime.types).toEqual(['prometheus', 'hdfs', 'yarn', 'spark']);
    expect(config.runtime.hdfs).toEqual({ dfs_replication: 1 });
    expect(config.runtime.spark).toMatchObject({
      spark_executor_resource: {
        spark_executor_cores: 4,
        spark_executor_memory: 640,
        spark_driver_memory: 1024,
        yarn_container_resource_memory: 3072,
        yarn_container_resource_vcores: 4,
      },
    });
    // Each runtime's commands form a group, in runtime order, between the cloudtik groups; only
    // where the runtime has something to do (Prometheus configures the head only).
    expect(config.merged_commands.worker_setup_commands.map((g) => g.group_name)).toEqual(['hdfs', 'yarn', 'spark']);
    expect(config.merged_commands.worker_stop_commands.map((g) => g.group_name)).toEqual([
      'cloudtik',
      'prometheus',
      'hdfs',
      'yarn',
    ]);
    expect(config.merged_commands.head_start_commands.map((g) => g.group_name)).toEqual([
      'cloudtik',
      'prometheus',
      'hdfs',
      'yarn',
      'spark',
    ]);
    expect(config.merged_commands.head_setup_commands[1]?.commands).toEqual(['cloudtik runtime configure hdfs --head']);
  });

  it('reports a runtime option of the wrong type with its position, before anything is created', async () => {
    const err = await configError(
      loadClusterConfig(write('c.yaml', `${SPARK}  hdfs:\n    dfs_replication: three\n  spark:\n    config: []\n`)),
    );
    expect(brief(err.issues)).toEqual([
      expect.objectContaining({ line: 7, col: 22, path: 'runtime.hdfs.dfs_replication', message: 'must be integer' }),
      expect.objectContaining({ line: 9, col: 13, path: 'runtime.spark.config', message: 'must be object' }),
    ]);
  });

  it.each([
    [
      'zookeeper',
      `${MINIMAL}runtime:\n  types: [zookeeper, kafka]\n  zookeeper:\n    config: [tickTime]\n`,
      { line: 7, col: 13, path: 'runtime.zookeeper.config', message: 'must be object' },
    ],
    [
      'zookeeper',
      `${MINIMAL}runtime:\n  types: [zookeeper]\n  zookeeper:\n    confg: {tickTime: 3000}\n`,
      { line: 7, col: 5, path: 'runtime.zookeeper.confg', message: 'unknown key', hint: 'zookeeper options: config' },
    ],
    [
      'kafka',
      `${MINIMAL}runtime:\n  types: [kafka]\n  kafka:\n    zookeeper_connect: 2181\n`,
      { line: 7, col: 24, path: 'runtime.kafka.zookeeper_connect', message: 'must be string' },
    ],
    [
      'kafka',
      `${MINIMAL}runtime:\n  types: [kafka]\n  kafka:\n    zookeeper_conect: z1:2181\n`,
      {
        line: 7,
        col: 5,
        path: 'runtime.kafka.zookeeper_conect',
        message: 'unknown key',
        hint: 'kafka options: config, zookeeper_connect, zookeeper_service_discovery, zookeeper_service_selector',
      },
    ],
    [
      'flink',
      `${MINIMAL}runtime:\n  types: [hdfs, flink]\n  flink:\n    config: [parallelism.default]\n`,
      { line: 7, col: 13, path: 'runtime.flink.config', message: 'must be object' },
    ],
    [
      'flink',
      `${MINIMAL}runtime:\n  types: [hdfs, flink]\n  flink:\n    metastore_service_discovery: "no"\n`,
      { line: 7, col: 34, path: 'runtime.flink.metastore_service_discovery', message: 'must be boolean' },
    ],
    [
      'flink',
      `${MINIMAL}runtime:\n  types: [hdfs, flink]\n  flink:\n    hive_metastore: thrift://m:9083\n`,
      {
        line: 7,
        col: 5,
        path: 'runtime.flink.hive_metastore',
        message: 'unknown key',
        hint: 'flink options: config, hive_metastore_uri, metastore_service_discovery, metastore_service_selector, flink_resource',
      },
    ],
    [
      'flink',
      `${MINIMAL}runtime:\n  types: [yarn, flink]\n`,
      {
        line: 5,
        col: 10,
        path: 'runtime.types',
        message: expect.stringMatching(/^flink needs hdfs/) as string,
        hint: 'add hdfs to runtime.types',
      },
    ],
  ])('reports a bad %s option with its position and a hint, before anything is created', async (_name, text, want) => {
    const err = await configError(loadClusterConfig(write('c.yaml', text)));
    expect(brief(err.issues)).toEqual([expect.objectContaining(want)]);
  });

  it('runs zookeeper and kafka on the image that carries them and Spark, kafka after zookeeper, on the workers', async () => {
    const { config } = await loadClusterConfig(
      write('c.yaml', `${MINIMAL}runtime:\n  types: [kafka, spark, zookeeper]\n`),
    );
    expect(config.runtime.types).toEqual(['zookeeper', 'kafka', 'yarn', 'spark']);
    expect(config.runtime.kafka).toEqual({ config: {}, zookeeper_service_discovery: true });
    expect(config.merged_commands.worker_start_commands.map((g) => g.group_name)).toContain('kafka');
    expect(config.merged_commands.head_start_commands.map((g) => g.group_name)).not.toContain('kafka');
  });

  it('runs flink on the streaming image with YARN added, sized from the worker type, configured on the head', async () => {
    const { config } = await loadClusterConfig(
      write(
        'c.yaml',
        `${MINIMAL}runtime:\n  types: [hdfs, flink]\navailable_node_types:\n  worker.default:\n    node_config:\n      instance_type: {CPU: 2, memory: 2560M}\n`,
      ),
    );
    expect(config.runtime.types).toEqual(['hdfs', 'yarn', 'flink']);
    expect(config.runtime.flink).toMatchObject({
      config: {},
      flink_resource: { flink_jobmanager_memory: 768, flink_taskmanager_memory: 1024, flink_taskmanager_cores: 2 },
    });
    expect(config.merged_commands.head_start_commands.map((g) => g.group_name)).toContain('flink');
    expect(config.merged_commands.worker_setup_commands.map((g) => g.group_name)).not.toContain('flink');
  });

  it('refuses a worker too small for one Spark executor, naming the memory it needs', async () => {
    const err = await configError(
      loadClusterConfig(
        write(
          'c.yaml',
          `${SPARK}available_node_types:\n  worker.default:\n    node_config:\n      instance_type: {CPU: 2, memory: 1536M}\n`,
        ),
      ),
    );
    expect(brief(err.issues)).toEqual([
      expect.objectContaining({
        line: 9,
        path: 'available_node_types.worker.default.node_config.instance_type.memory',
        message: expect.stringMatching(/worker\.default: 1536M is too small for one Spark executor/) as string,
        hint: 'give it at least 1792M, or leave spark out of runtime.types',
      }),
    ]);
  });

  it('sizes a worker type with its own runtime section by that type', async () => {
    const { config } = await loadClusterConfig(
      write(
        'c.yaml',
        `${SPARK}available_node_types:\n  worker.big:\n    node_config:\n      instance_type: {CPU: 16, memory: 64G}\n    runtime:\n      hdfs: {dfs_replication: 2}\n`,
      ),
    );
    const big = config.available_node_types['worker.big']!;
    expect(big.runtime?.hdfs).toEqual({ dfs_replication: 2 });
    expect(big.runtime?.spark).toMatchObject({ spark_executor_resource: { spark_executor_memory: 11060 } });
    expect(config.runtime.spark).toMatchObject({ spark_executor_resource: { spark_executor_memory: 640 } });
  });
});
