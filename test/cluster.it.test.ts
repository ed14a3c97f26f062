import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  ROOT,
  cli,
  cliOk,
  clusterContainers,
  exists,
  sweepWorkspace,
  tempDir,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('life');
let dir: string;
let wsFile: string;
let diskRoot: string;
let shareRoot: string;

interface StatusJson {
  nodes: {
    id: string;
    kind: string;
    nodeType: string;
    ip: string;
    status: string;
    seqId: number;
    cpus: number;
    memoryBytes: number;
  }[];
}

function seedConfig(cluster: string, extra = ''): string {
  // The developer guide's example, with this test's workspace and folders.
  return `cluster_name: ${cluster}
workspace_name: ${ws}
cloudtik_wheel_url: file:///cloudtik/data/share/cloudtik-1.4.0-cp38-cp38-manylinux2014_x86_64.nightly.whl
provider:
    type: virtual
# A bare cluster: these tests are about nodes, not engines.
runtime:
    types: []
auth:
    ssh_user: ubuntu
available_node_types:
    head.default:
        node_config:
            data_disks:
                - ${diskRoot}
            data_dirs:
                - ${shareRoot}
    worker.default:
        node_config:
            data_disks:
                - ${diskRoot}
            data_dirs:
                - ${shareRoot}
        min_workers: 3
${extra}`;
}

async function status(file: string): Promise<StatusJson> {
  return JSON.parse((await cliOk(['status', file, '--json'])).stdout) as StatusJson;
}

describe('virtual clusters end to end', () => {
  beforeAll(async () => {
    dir = await tempDir('life');
    diskRoot = path.join(dir, 'disks');
    shareRoot = path.join(dir, 'share');
    wsFile = await writeFile(dir, 'workspace.yaml', `workspace_name: ${ws}\nprovider:\n    type: virtual\n`);
  });

  afterAll(async () => {
    await sweepWorkspace(ws);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('creates a workspace and shows it', async () => {
    const created = JSON.parse((await cliOk(['workspace', 'create', wsFile, '--json'])).stdout) as {
      created: boolean;
      network: string;
    };
    expect(created.created).toBe(true);
    expect(created.network).toBe(`cloudtik-${ws}`);
    const again = JSON.parse((await cliOk(['workspace', 'create', wsFile, '--json'])).stdout) as { created: boolean };
    expect(again.created).toBe(false);
    const list = JSON.parse((await cliOk(['workspace', 'list', '--json'])).stdout) as {
      workspaces: { workspace: string }[];
    };
    expect(list.workspaces.map((w) => w.workspace)).toContain(ws);
  });

  it('starts the developer guide example: 1 head + 3 workers with limits, data disks and shared folders', async () => {
    const file = await writeFile(dir, 'seed.yaml', seedConfig('seed'));
    const r = await cliOk(['start', file, '-y']);
    expect(r.stderr).toMatch(/Python wheel|\.whl/);
    expect(r.stderr).toMatch(/CPU 4 is more than this host has/);
    const s = await status(file);
    expect(s.nodes.filter((n) => n.kind === 'head')).toHaveLength(1);
    expect(s.nodes.filter((n) => n.kind === 'worker')).toHaveLength(3);
    expect(s.nodes.every((n) => n.status === 'up-to-date')).toBe(true);
    expect(s.nodes.map((n) => n.seqId).sort()).toEqual([1, 2, 3, 4]);

    // CPU and memory limits seen from inside each node (cgroup v1 or v2).
    const limits = await cliOk([
      'exec',
      file,
      '--all-nodes',
      'if [ -f /sys/fs/cgroup/cpu.max ]; then q=$(cut -d" " -f1 /sys/fs/cgroup/cpu.max); p=$(cut -d" " -f2 /sys/fs/cgroup/cpu.max); m=$(cat /sys/fs/cgroup/memory.max); ' +
        'else q=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us); p=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us); m=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes); fi; echo "limits $((q / p)) $m"',
    ]);
    const lines = limits.stdout
      .trim()
      .split('\n')
      .filter((l) => l.includes('limits'));
    expect(lines).toHaveLength(4);
    const hostCpus = (await import('node:os')).cpus().length;
    for (const l of lines) expect(l).toMatch(new RegExp(`limits ${Math.min(4, hostCpus)} ${4 * 2 ** 30}$`));

    // Each node writes to its own data disk and to the shared folder.
    await cliOk([
      'exec',
      file,
      '--all-nodes',
      'echo "$CLOUDTIK_NODE_ID" > /mnt/cloudtik/data_disk_1/who && echo "$CLOUDTIK_NODE_ID" > /cloudtik/data/share/"$CLOUDTIK_NODE_ID"',
    ]);
    for (const n of s.nodes) {
      expect((await fsp.readFile(path.join(diskRoot, n.id, 'who'), 'utf8')).trim()).toBe(n.id);
      expect(exists(path.join(shareRoot, n.id))).toBe(true);
    }
    // Every node sees every other node's file in the shared folder.
    const seen = await cliOk(['exec', file, '--all-nodes', 'ls /cloudtik/data/share | wc -l']);
    for (const l of seen.stdout.trim().split('\n')) expect(l).toMatch(/: 4$/);
  });

  it('runs a command on every node and reports a failing exit code', async () => {
    const file = path.join(dir, 'seed.yaml');
    const r = await cliOk([
      'exec',
      file,
      '--all-nodes',
      'echo "kind=$CLOUDTIK_NODE_TYPE user=$(whoami) head=$CLOUDTIK_HEAD_IP"',
    ]);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(4);
    expect(out.filter((l) => l.includes('kind=head.default'))).toHaveLength(1);
    expect(out.every((l) => l.includes('user=ubuntu'))).toBe(true);
    const headIp = (await cliOk(['head-ip', file])).stdout.trim();
    expect(out.every((l) => l.endsWith(`head=${headIp}`))).toBe(true);
    const workerIps = (await cliOk(['worker-ips', file])).stdout.trim().split('\n');
    expect(workerIps).toHaveLength(3);
    const failed = await cli(['exec', file, 'exit 7']);
    expect(failed.code).toBe(7);
  });

  it('uploads and downloads files and folders', async () => {
    const file = path.join(dir, 'seed.yaml');
    const src = path.join(dir, 'up');
    await writeFile(src, 'a.txt', 'alpha\n');
    await writeFile(src, 'sub/b.txt', 'it\'s "quoted" $(nothing)\n');
    await cliOk(['upload', file, `${src}/`, '~/data', '--all-nodes']);
    const listed = await cliOk([
      'exec',
      file,
      '--all-nodes',
      'cat ~/data/a.txt ~/data/sub/b.txt | md5sum; stat -c %U ~/data/sub/b.txt',
    ]);
    expect(
      new Set(
        listed.stdout
          .trim()
          .split('\n')
          .map((l) => l.replace(/^[^:]+: /, '')),
      ).size,
    ).toBe(2);
    expect(listed.stdout).toContain('ubuntu');
    // Copying a folder's contents into a system folder changes the owner of the copies only.
    await cliOk(['upload', file, `${src}/`, '/tmp']);
    const owners = await cliOk(['exec', file, 'stat -c %U /tmp /tmp/a.txt /tmp/sub/b.txt']);
    expect(owners.stdout).toBe('root\nubuntu\nubuntu\n');
    const back = path.join(dir, 'down');
    await cliOk(['download', file, '~/data', back]);
    expect(await fsp.readFile(path.join(back, 'sub', 'b.txt'), 'utf8')).toBe('it\'s "quoted" $(nothing)\n');
    await cliOk(['rsync-up', file, path.join(src, 'a.txt'), '/tmp/single.txt']);
    await cliOk(['rsync-down', file, '/tmp/single.txt', path.join(dir, 'single.txt')]);
    expect(await fsp.readFile(path.join(dir, 'single.txt'), 'utf8')).toBe('alpha\n');
  });

  it('skips setup when start runs again with no change', async () => {
    const file = path.join(dir, 'seed.yaml');
    const before = await status(file);
    const r = JSON.parse((await cliOk(['start', file, '-y', '--json'])).stdout) as {
      updates: { node: string; setupSkipped: boolean }[];
      created: { head: boolean; workers: number };
    };
    expect(r.created).toEqual({ head: false, workers: 0 });
    expect(r.updates.length).toBeGreaterThan(0);
    expect(r.updates.every((u) => u.setupSkipped)).toBe(true);
    const after = await status(file);
    expect(after.nodes.map((n) => n.id).sort()).toEqual(before.nodes.map((n) => n.id).sort());
  });

  it('stops the cluster and leaves nothing behind', async () => {
    const file = path.join(dir, 'seed.yaml');
    const s = await status(file);
    await cliOk(['stop', file, '-y']);
    expect(await clusterContainers(ws, 'seed')).toHaveLength(0);
    for (const n of s.nodes) expect(exists(path.join(diskRoot, n.id))).toBe(false);
    expect(exists(path.join(process.env.CLOUDTIK_HOME as string, 'virtual', ws, 'seed'))).toBe(false);
    // The shared folder is the user's: it stays.
    expect(exists(shareRoot)).toBe(true);
    const again = await cliOk(['stop', file, '-y']);
    expect(again.stdout).toMatch(/no nodes/);
  });

  it('refuses a bad config with positions and creates nothing', async () => {
    const file = await writeFile(
      dir,
      'bad.yaml',
      `cluster_name: bad\nworkspace_name: ${ws}\nprovider:\n    type: virtual\nauth:\n    ssh_usr: ubuntu\navailable_node_types:\n    worker.default:\n        node_config:\n            data_disks: [${path.join(dir, 'bad-disks')}]\n        min_workers: -1\n`,
    );
    const r = await cli(['start', file, '-y']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:6:5`);
    expect(r.stderr).toMatch(/ssh_usr/);
    expect(r.stderr).toMatch(/ssh_user/);
    expect(r.stderr).toMatch(/min_workers/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await clusterContainers(ws, 'bad')).toHaveLength(0);
    expect(exists(path.join(dir, 'bad-disks'))).toBe(false);
    expect(exists(path.join(process.env.CLOUDTIK_HOME as string, 'virtual', ws, 'bad'))).toBe(false);
  });

  it('passes hostile config values through literally', async () => {
    const evil = `it's "x" $(touch /tmp/pwned1) \`touch /tmp/pwned2\` ; touch /tmp/pwned3\nnext line`;
    const file = await writeFile(
      dir,
      'evil.yaml',
      `cluster_name: evil\nworkspace_name: ${ws}\nprovider:\n    type: virtual\nruntime:\n    types: []\n    envs:\n        EVIL: ${JSON.stringify(evil)}\navailable_node_types:\n    head.default:\n        node_config:\n            instance_type: {CPU: 1, memory: 512M}\nhead_setup_commands:\n    - printf '%s' "$EVIL" > ~/evil.txt\n`,
    );
    await cliOk(['start', file, '-y']);
    const out = await cliOk([
      'exec',
      file,
      'cat ~/evil.txt; echo; ls /tmp/pwned1 /tmp/pwned2 /tmp/pwned3 2>&1 | grep -c "No such file"; true',
    ]);
    expect(out.stdout).toBe(`${evil}\n3\n`);
    await cliOk(['stop', file, '-y']);
  });

  it('installs the package given by cloudtik_package_url on every node (dev loop)', async () => {
    const marker = `0.0.0-dev.${Date.now()}`;
    const work = path.join(dir, 'pkg');
    await fsp.mkdir(work, { recursive: true });
    const packed = await run('npm', ['pack', '--silent', '--pack-destination', work, ROOT]);
    const tarball = path.join(work, packed.trim().split('\n').pop() as string);
    await run('tar', ['-xzf', tarball, '-C', work]);
    const pkgJson = path.join(work, 'package', 'package.json');
    const pkg = JSON.parse(await fsp.readFile(pkgJson, 'utf8')) as { version: string };
    pkg.version = marker;
    await fsp.writeFile(pkgJson, JSON.stringify(pkg, null, 2));
    await fsp.mkdir(shareRoot, { recursive: true });
    await run('tar', ['-czf', path.join(shareRoot, 'cloudtik-nightly.tgz'), '-C', work, 'package']);
    const file = await writeFile(
      dir,
      'devloop.yaml',
      seedConfig('devloop')
        .replace(/cloudtik_wheel_url: .*/, 'cloudtik_package_url: file:///cloudtik/data/share/cloudtik-nightly.tgz')
        .replace('min_workers: 3', 'min_workers: 1'),
    );
    await cliOk(['start', file, '-y']);
    const versions = await cliOk(['exec', file, '--all-nodes', 'cloudtik --version']);
    const lines = versions.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(new RegExp(`: ${marker.replace(/\./g, '\\.')}$`));
    await cliOk(['stop', file, '-y']);
  });

  it('converges after a start killed midway', async () => {
    const file = await writeFile(dir, 'killed.yaml', seedConfig('killed'));
    const child = spawn(process.execPath, [CLI, 'start', file, '-y'], {
      env: { ...process.env, CI: 'true' },
      stdio: 'ignore',
    });
    // Kill it as soon as its first container exists: the cluster is half built.
    for (let i = 0; i < 600 && (await clusterContainers(ws, 'killed')).length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    await cliOk(['start', file, '-y']);
    const s = await status(file);
    expect(s.nodes.filter((n) => n.kind === 'head')).toHaveLength(1);
    expect(s.nodes.filter((n) => n.kind === 'worker')).toHaveLength(3);
    expect(s.nodes.every((n) => n.status === 'up-to-date')).toBe(true);
    // Four nodes and the cluster's Docker gate.
    const kinds = (await clusterContainers(ws, 'killed')).map((c) => c.Labels['cloudtik-node-kind']).sort();
    expect(kinds).toEqual(['gate', 'head', 'worker', 'worker', 'worker']);
    await cliOk(['stop', file, '-y']);
    expect(await clusterContainers(ws, 'killed')).toHaveLength(0);
  });

  it('gives exactly one head when two starts run at once', async () => {
    const file = await writeFile(dir, 'twice.yaml', seedConfig('twice').replace('min_workers: 3', 'min_workers: 1'));
    const [a, b] = await Promise.all([cli(['start', file, '-y']), cli(['start', file, '-y'])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const containers = await clusterContainers(ws, 'twice');
    expect(containers.filter((c) => c.Labels['cloudtik-node-kind'] === 'head')).toHaveLength(1);
    expect(containers.filter((c) => c.Labels['cloudtik-node-kind'] === 'worker')).toHaveLength(1);
    await cliOk(['stop', file, '-y']);
  });

  it('syncs file_mounts, re-runs setup when their contents change, and stops workers only', async () => {
    const conf = path.join(dir, 'conf');
    await writeFile(conf, 'app.properties', 'level=1\n');
    const file = await writeFile(
      dir,
      'mounts.yaml',
      `cluster_name: mounts\nworkspace_name: ${ws}\nprovider:\n    type: virtual\nruntime:\n    types: []\nfile_mounts:\n    ~/conf: ${conf}\n` +
        `available_node_types:\n    head.default:\n        node_config:\n            instance_type: {CPU: 1, memory: 512M}\n` +
        `    worker.default:\n        node_config:\n            instance_type: {CPU: 1, memory: 512M}\n        min_workers: 1\n` +
        `    worker.extra:\n        node_config:\n            instance_type: {CPU: 1, memory: 256M}\n        min_workers: 1\n` +
        `setup_commands:\n    - echo setup >> ~/setup-runs\n`,
    );
    await cliOk(['start', file, '-y']);
    await cliOk(['wait-for-ready', file, '--timeout', '30']);
    const first = await cliOk(['exec', file, '--all-nodes', 'cat ~/conf/app.properties; wc -l < ~/setup-runs']);
    expect(first.stdout.trim().split('\n').sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/: level=1$/), expect.stringMatching(/: 1$/)]),
    );
    // Same config: setup skipped. Changed contents: files synced again and setup re-run.
    await cliOk(['start', file, '-y']);
    await writeFile(conf, 'app.properties', 'level=2\n');
    const r = JSON.parse((await cliOk(['start', file, '-y', '--json'])).stdout) as {
      updates: { setupSkipped: boolean }[];
    };
    expect(r.updates.some((u) => !u.setupSkipped)).toBe(true);
    const head = await cliOk(['exec', file, 'cat ~/conf/app.properties; wc -l < ~/setup-runs']);
    expect(head.stdout).toBe('level=2\n2\n');
    // Two worker types launched at the same time still get distinct seq ids.
    const seqIds = (await status(file)).nodes.map((n) => n.seqId).sort();
    expect(seqIds).toEqual([1, 2, 3]);
    await cliOk(['stop', file, '-y', '--workers-only']);
    const left = await clusterContainers(ws, 'mounts');
    expect(left.map((c) => c.Labels['cloudtik-node-kind']).sort()).toEqual(['gate', 'head']);
    await cliOk(['stop', file, '-y']);
    expect(await clusterContainers(ws, 'mounts')).toHaveLength(0);
  });

  it('stops on Ctrl-C with exit code 130, and a second start finishes the job', async () => {
    const file = await writeFile(
      dir,
      'sigint.yaml',
      `cluster_name: sigint\nworkspace_name: ${ws}\nprovider:\n    type: virtual\nruntime:\n    types: []\nauth:\n    ssh_user: alice\n` +
        `available_node_types:\n    head.default:\n        node_config:\n            instance_type: {CPU: 1, memory: 512M}\n` +
        `head_setup_commands:\n    - sleep 4 && touch ~/setup-done\n`,
    );
    const child = spawn(process.execPath, [CLI, 'start', file, '-y', '--verbose'], {
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const closed = new Promise<number | null>((r) => child.on('close', r));
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    // Interrupt while the setup command runs (the debug log names it when it starts).
    for (let i = 0; i < 400 && !stderr.includes('sleep 4'); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    const code = await closed;
    expect(code).toBe(130);
    expect(stderr).toMatch(/run the command again to continue/);
    await cliOk(['start', file, '-y']);
    // A user the image does not have is created, with passwordless sudo.
    const who = await cliOk(['exec', file, 'whoami; sudo -n true && echo sudo-ok; ls ~/setup-done']);
    expect(who.stdout).toBe('alice\nsudo-ok\n/home/alice/setup-done\n');
    // attach: an interactive shell on the head (script(1) gives it a terminal), exit code passed through.
    const attached = await run(
      'script',
      ['-qec', `${process.execPath} ${CLI} attach ${file}`, '/dev/null'],
      'echo "marker-$((6*7))"; whoami\nexit 3\n',
    );
    expect(attached.code).toBe(3);
    const ansi = new RegExp(`\r|${String.fromCharCode(27)}\\[[0-9;?]*[a-zA-Z]`, 'g');
    expect(attached.out.replace(ansi, '')).toMatch(/^marker-42\nalice$/m);
    await cliOk(['stop', file, '-y']);
  });

  it('refuses to start in a missing workspace or with an image it cannot build, creating nothing', async () => {
    const noWs = await writeFile(
      dir,
      'nows.yaml',
      `cluster_name: nows\nworkspace_name: ${ws}-missing\nprovider:\n    type: virtual\nruntime:\n    types: []\n`,
    );
    const r1 = await cli(['start', noWs, '-y']);
    expect(r1.code).toBe(4);
    expect(r1.stderr).toMatch(/workspace .*-missing does not exist/);
    expect(r1.stderr).toMatch(/hint: .*cloudtik workspace create/);
    const badImage = await writeFile(
      dir,
      'badimage.yaml',
      `cluster_name: badimage\nworkspace_name: ${ws}\nprovider:\n    type: virtual\nruntime:\n    types: []\ndocker:\n    image: example/not-here\n`,
    );
    const r2 = await cli(['start', badImage, '-y']);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toMatch(/example\/not-here:.* is not in the local Docker engine/);
    expect(await clusterContainers(ws, 'badimage')).toHaveLength(0);
    expect(exists(path.join(process.env.CLOUDTIK_HOME as string, 'virtual', ws, 'badimage'))).toBe(false);
  });

  it('takes --min-workers and --json on the address commands, and rejects conflicting flags', async () => {
    const file = await writeFile(
      dir,
      'flags.yaml',
      `cluster_name: flags\nworkspace_name: ${ws}\nprovider:\n    type: virtual\nruntime:\n    types: []\n` +
        `available_node_types:\n    head.default:\n        node_config:\n            instance_type: {CPU: 1, memory: 256M}\n` +
        `    worker.default:\n        node_config:\n            instance_type: {CPU: 1, memory: 256M}\n`,
    );
    const conflict = await cli(['start', file, '-y', '--no-restart', '--restart-only']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toMatch(/cannot be used together/);
    await cliOk(['start', file, '-y', '--min-workers', '2']);
    const head = JSON.parse((await cliOk(['head-ip', file, '--json'])).stdout) as { headIp: string };
    const workers = JSON.parse((await cliOk(['worker-ips', file, '--json'])).stdout) as { workerIps: string[] };
    expect(head.headIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(workers.workerIps).toHaveLength(2);
    expect(workers.workerIps).not.toContain(head.headIp);
    await cliOk(['stop', file, '-y']);
  });

  it('refuses to delete a workspace with clusters unless --force', async () => {
    const file = await writeFile(
      dir,
      'tiny.yaml',
      `cluster_name: tiny\nworkspace_name: ${ws}\nprovider:\n    type: virtual\nruntime:\n    types: []\navailable_node_types:\n    head.default:\n        node_config:\n            instance_type: {CPU: 1, memory: 256M}\n`,
    );
    await cliOk(['start', file, '-y']);
    const info = JSON.parse((await cliOk(['workspace', 'info', wsFile, '--json'])).stdout) as {
      clusters: { cluster: string }[];
    };
    expect(info.clusters.map((c) => c.cluster)).toEqual(['tiny']);
    const refused = await cli(['workspace', 'delete', wsFile, '-y']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/tiny/);
    await cliOk(['workspace', 'delete', wsFile, '-y', '--force']);
    expect(await clusterContainers(ws, 'tiny')).toHaveLength(0);
    const nets = await (await import('./helpers.js')).docker.listNetworks({ filters: { name: [`cloudtik-${ws}`] } });
    expect(nets).toHaveLength(0);
    expect(exists(path.join(process.env.CLOUDTIK_HOME as string, 'virtual', ws))).toBe(false);
  });
});

function run(cmd: string, args: string[]): Promise<string>;
function run(cmd: string, args: string[], input: string): Promise<{ code: number | null; out: string }>;
/** Run a program; without `input` it must succeed and its stdout is returned. */
function run(cmd: string, args: string[], input?: string): Promise<string | { code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdin.end(input ?? '');
    child.on('close', (code) => {
      if (input !== undefined) resolve({ code, out });
      else if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')}: ${err}`));
    });
  });
}
