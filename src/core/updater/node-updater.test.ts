import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterConfig, CommandGroup, MergedCommands } from '../../config/types.js';
import { TAG, type NodeInfo, type NodeProvider } from '../../providers/provider.js';
import type { Clock } from '../clock.js';
import { LocalRunner } from '../command/local-runner.fixtures.js';
import { CloudtikError } from '../errors.js';
import type { CoreEvent } from '../events.js';
import {
  foldsPreparation,
  nodeEnvironment,
  preparationScript,
  updateNode,
  withRootParts,
  type NodeUpdateOptions,
} from './node-updater.js';

const group = (name: string, ...commands: string[]): CommandGroup[] => [{ group_name: name, commands }];

function commands(over: Partial<MergedCommands> = {}): MergedCommands {
  return {
    head_initialization_commands: [],
    worker_initialization_commands: [],
    head_setup_commands: group('user', 'step setup'),
    worker_setup_commands: group('user', 'step wsetup'),
    head_start_commands: group('user', 'step start'),
    worker_start_commands: [],
    head_stop_commands: [],
    worker_stop_commands: [],
    ...over,
  };
}

function config(mc: MergedCommands, options: Record<string, unknown> = {}): ClusterConfig {
  return {
    cluster_name: 'c',
    workspace_name: 'w',
    provider: { type: 'virtual' },
    auth: { ssh_user: 'ubuntu' },
    runtime: { types: [], envs: { A: 'x' } },
    file_mounts: {},
    available_node_types: {},
    options: { upscaling_speed: 1, idle_timeout_minutes: 5, ...options },
    merged_commands: mc,
  } as unknown as ClusterConfig;
}

const clock: Clock = { now: () => 0, sleep: () => Promise.resolve() };

/** How the fake provider's tags behave: each takes `ms`; the status `fail` is refused. */
interface TagBehaviour {
  ms?: number;
  fail?: string;
}

function setup(runner: LocalRunner, tags: Record<string, string> = {}, behaviour: TagBehaviour = {}) {
  const statuses: string[] = [];
  /** What happened, in order: `run` for each call on the node, `tag <status>` as each tag lands. */
  const log: string[] = [];
  const setTags: Record<string, string>[] = [];
  const node: NodeInfo = {
    id: 'n1',
    kind: 'head',
    nodeType: 'head.default',
    seqId: 1,
    ip: '10.0.0.2',
    state: 'running',
    running: true,
    createdAt: 0,
    tags,
    limits: { cpus: 1, memoryBytes: 1 },
  };
  const provider = {
    setTags: async (_id: string, t: Record<string, string>) => {
      const s = t[TAG.nodeStatus];
      if (behaviour.ms) await new Promise((r) => setTimeout(r, behaviour.ms));
      if (s !== undefined && s === behaviour.fail) throw new Error(`the API refused the status ${s}`);
      setTags.push(t);
      if (s !== undefined) statuses.push(s);
      log.push(`tag ${s}`);
    },
    commandRunner: () =>
      new Proxy(runner, {
        get: (target, key, receiver) => {
          if (key === 'run') log.push('run');
          return Reflect.get(target, key, receiver) as unknown;
        },
      }),
    // The provider's own words for looking at a node (these are the virtual provider's).
    hints: { inspectNode: (id: string) => `check the container: docker inspect ${id}; docker logs ${id}` },
  } as unknown as NodeProvider;
  const events: CoreEvent[] = [];
  const base = (cfg: ClusterConfig, over: Partial<NodeUpdateOptions> = {}): NodeUpdateOptions => ({
    provider,
    node,
    config: cfg,
    headIp: '10.0.0.2',
    mode: 'full',
    runtimeHash: 'h1',
    fileMountsHash: 'f1',
    sink: (e) => events.push(e),
    clock,
    readyTimeoutMs: 1000,
    ...over,
  });
  return { statuses, setTags, events, base, log };
}

const runners: LocalRunner[] = [];
function local(): LocalRunner {
  const r = new LocalRunner();
  runners.push(r);
  return r;
}
afterEach(() => {
  for (const r of runners.splice(0)) r.cleanup();
});

describe('nodeEnvironment', () => {
  it("names the node and sums the worker types' min_workers, the head's left out", () => {
    const cfg = {
      ...config(commands()),
      head_node_type: 'head.default',
      available_node_types: {
        'head.default': { min_workers: 0, max_workers: 0, node_config: {}, resources: {} },
        'worker.small': { min_workers: 2, max_workers: 4, node_config: {}, resources: {} },
        'worker.big': { min_workers: 1, max_workers: 2, node_config: {}, resources: {} },
      },
    } as unknown as ClusterConfig;
    const e = nodeEnvironment(
      cfg,
      { id: 'n1', ip: '10.0.0.3', kind: 'worker', nodeType: 'worker.small', seqId: 2 } as NodeInfo,
      '10.0.0.2',
    );
    expect(e).toMatchObject({
      A: 'x',
      CLOUDTIK_NODE_ID: 'n1',
      CLOUDTIK_NODE_IP: '10.0.0.3',
      CLOUDTIK_HEAD_IP: '10.0.0.2',
      CLOUDTIK_NODE_KIND: 'worker',
      CLOUDTIK_MIN_WORKERS: '3',
    });
  });
});

describe('updateNode: steps and commands', () => {
  it('walks the statuses and runs setup then start, one call per phase', async () => {
    const runner = local();
    const t = setup(runner);
    const r = await updateNode(t.base(config(commands())));
    expect(t.statuses).toEqual(['waiting-for-ssh', 'setting-up', 'up-to-date']);
    expect(runner.ran()).toEqual(['setup', 'start']);
    expect(runner.calls).toEqual(['<prepare>', 'script', 'script']);
    expect(r.setupSkipped).toBe(false);
    expect(t.setTags.at(-1)).toMatchObject({ [TAG.runtimeConfig]: 'h1', [TAG.fileMountsContents]: 'f1' });
  });

  it('sets the statuses on the way without waiting for them, in order, and the end one after them', async () => {
    const runner = local();
    const t = setup(runner, {}, { ms: 300 });
    await updateNode(t.base(config(commands())));
    expect(t.statuses).toEqual(['waiting-for-ssh', 'setting-up', 'up-to-date']);
    // The node's first call went out before its first status landed.
    expect(t.log.indexOf('run')).toBeLessThan(t.log.indexOf('tag waiting-for-ssh'));
    expect(t.log.at(-1)).toBe('tag up-to-date');
  });

  it('fails the update when a status on the way is refused, and leaves update-failed', async () => {
    const runner = local();
    const t = setup(runner, {}, { fail: 'setting-up' });
    await expect(updateNode(t.base(config(commands())))).rejects.toThrow(/refused the status setting-up/);
    expect(t.statuses).toEqual(['waiting-for-ssh', 'update-failed']);
  });

  it('runs every command of every group of a phase in order, in one call, with the environment', async () => {
    const runner = local();
    const t = setup(runner);
    const mc = commands({
      head_setup_commands: [
        { group_name: 'hdfs', commands: ['step a', 'step "b-$A"'] },
        { group_name: 'user', commands: ['step c; cd /', 'step "d-$(basename "$PWD")"'] },
      ],
    });
    await updateNode(t.base(config(mc)));
    // The environment reaches every command; a `cd` in one does not leak into the next.
    expect(runner.ran()).toEqual(['a', 'b-x', 'c', `d-${runner.home.split('/').at(-1)}`, 'start']);
    expect(runner.calls).toEqual(['<prepare>', 'script', 'script']);
  });

  it("saves the start commands with the node's environment for its boot, which re-runs them and not the setup", async () => {
    // A cloudtik that takes a batch the way the real one does (a hex nonce) and records it.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-batch-bin-'));
    fs.writeFileSync(
      path.join(bin, 'cloudtik'),
      `#!/bin/sh\ncase "$4" in ''|*[!0-9a-f]*) echo "bad nonce $4" >&2; exit 2;; esac\necho "cloudtik $8, $9" >> "$HOME/ran"\n`,
      { mode: 0o755 },
    );
    const runner = new LocalRunner([bin]);
    runners.push(runner);
    const t = setup(runner);
    const mc = commands({
      head_start_commands: [
        { group_name: 'node', commands: ['cloudtik node start', 'cloudtik runtime start'] },
        { group_name: 'user', commands: ['step "start-$A-$CLOUDTIK_NODE_IP"'] },
      ],
    });
    try {
      await updateNode(t.base(config(mc), { extraEnv: { SECRET: 's3' } }));
      const once = ['setup', 'cloudtik node start, runtime start', 'start-x-10.0.0.2'];
      expect(runner.ran()).toEqual(once);
      const script = runner.resumeScript ?? '';
      // What the boot does with it: bash, as the node user, in the user's home.
      const r = spawnSync('bash', ['-c', script], {
        cwd: runner.home,
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: runner.home },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(runner.ran()).toEqual([...once, ...once.slice(1)]);
      expect(script).toContain('SECRET=s3');
      // Saved by the start's own call; no message shows what it carries.
      expect(runner.calls).toEqual(['<prepare>', 'script', 'script']);
      expect(JSON.stringify(t.events)).not.toContain('s3');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('fails the start when the resume script cannot be saved, naming the step and not its text', async () => {
    const runner = local();
    fs.appendFileSync(
      path.join(runner.home, '.bashrc'),
      'sudo() { echo "sudo: a password is required" >&2; return 1; }\n',
    );
    const t = setup(runner);
    const err = await updateNode(t.base(config(commands()), { extraEnv: { SECRET: 's3' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudtikError);
    expect((err as CloudtikError).message).toMatch(
      /\(exit 1, group cloudtik\): save the start commands for the node's boot$/,
    );
    expect((err as CloudtikError).details).toContain('sudo: a password is required');
    expect(JSON.stringify([err, (err as CloudtikError).details, t.events])).not.toContain('s3');
    expect(t.statuses.at(-1)).toBe('update-failed');
  });

  it('saves no resume script when it runs setup only', async () => {
    const runner = local();
    const t = setup(runner);
    await updateNode(t.base(config(commands()), { mode: 'no-restart' }));
    expect(runner.calls).toEqual(['<prepare>', 'script']);
    expect(runner.resumeScript).toBeUndefined();
  });

  it('saves no resume script where nodes never start again with their files (pods)', async () => {
    const runner = local();
    const t = setup(runner);
    const options = t.base(config(commands()));
    await updateNode({ ...options, provider: { ...options.provider, nodesNeverResume: true } });
    expect(runner.ran()).toEqual(['setup', 'start']);
    expect(runner.calls).toEqual(['<prepare>', 'script', 'script']);
    expect(runner.resumeScript).toBeUndefined();
    expect(t.statuses.at(-1)).toBe('up-to-date');
  });

  it('skips setup when the hashes match, and runs nothing but start', async () => {
    const runner = local();
    const t = setup(runner, { [TAG.runtimeConfig]: 'h1', [TAG.fileMountsContents]: 'f1' });
    const r = await updateNode(t.base(config(commands())));
    expect(r.setupSkipped).toBe(true);
    expect(runner.ran()).toEqual(['start']);
  });

  it('restart-only runs start commands only; no-restart runs setup only', async () => {
    const a = local();
    await updateNode(setup(a).base(config(commands()), { mode: 'restart-only' }));
    expect(a.ran()).toEqual(['start']);
    const b = local();
    await updateNode(setup(b).base(config(commands()), { mode: 'no-restart' }));
    expect(b.ran()).toEqual(['setup']);
  });
});

describe('updateNode: the preparation in the first call', () => {
  it.each([
    ['a running node, runner that takes it, start commands', {}, true],
    ['setup commands only (no start)', { start: false, setupCommands: 2 }, true],
    ['a runner whose calls do not start as root (ssh)', { runsPrelude: false }, false],
    ['a node the provider does not list as running', { running: false }, false],
    ['files to copy first', { syncFiles: true }, false],
    ['a provider preparation first', { prepareNode: true }, false],
    ['no call to go with', { start: false, setupCommands: 0 }, false],
  ])('%s', (_what, over, want) => {
    const base = {
      runsPrelude: true,
      running: true,
      syncFiles: false,
      prepareNode: false,
      setupCommands: 0,
      start: true,
    };
    expect(foldsPreparation({ ...base, ...over })).toBe(want);
  });

  it('prepares a running node in the call of its setup commands, through the real wrapper: one call less', async () => {
    const runner = local();
    runner.runsPrelude = true;
    const t = setup(runner);
    await updateNode(t.base(config(commands())));
    expect(runner.calls).toEqual(['<prepare>+script', 'script']);
    expect(runner.ran()).toEqual(['setup', 'start']);
    // A new node waited for nothing: no status for that (it counts as not up already).
    expect(t.statuses).toEqual(['setting-up', 'up-to-date']);
    const waited = t.events.filter((e) => e.type === 'node-phase' && e.phase === 'waiting-for-ssh');
    expect(waited).toMatchObject([{ state: 'skip', detail: 'prepared in its first call' }]);
    // The wrapper's line is not output of the commands.
    const output = t.events.flatMap((e) => (e.type === 'command-output' ? [e.text] : []));
    expect(output.join('')).not.toContain('cloudtik:prepared');
  });

  it('gives a new node no status for phases with nothing to wait for or run: up-to-date is its only write', async () => {
    const runner = local();
    runner.runsPrelude = true;
    const t = setup(runner, { [TAG.nodeStatus]: 'uninitialized' });
    await updateNode(t.base(config(commands({ head_setup_commands: [] }))));
    expect(runner.calls).toEqual(['<prepare>+script']);
    expect(runner.ran()).toEqual(['start']);
    expect(t.statuses).toEqual(['up-to-date']);
  });

  it('still marks a node that was up-to-date as being updated, however little there is to do', async () => {
    const runner = local();
    runner.runsPrelude = true;
    const t = setup(runner, { [TAG.nodeStatus]: 'up-to-date' });
    await updateNode(t.base(config(commands({ head_setup_commands: [] })), { force: true }));
    expect(runner.ran()).toEqual(['start']);
    expect(t.statuses).toEqual(['waiting-for-ssh', 'setting-up', 'up-to-date']);
  });

  it('fails with the preparation exit code and output when it fails in that call, runs no command, and tags update-failed', async () => {
    const runner = local();
    runner.runsPrelude = true;
    runner.prepareFails = true;
    const t = setup(runner);
    const err = await updateNode(t.base(config(commands()))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudtikError);
    expect((err as CloudtikError).message).toMatch(/could not prepare node n1 .*: exit 3$/);
    expect((err as CloudtikError).details.join('\n')).toContain('not yet');
    expect(runner.calls).toEqual(['<prepare>+script']);
    expect(runner.ran()).toEqual([]);
    expect(t.statuses.at(-1)).toBe('update-failed');
  });

  /** An update whose start call begins with `command`, which has a root part (`step x`), on a runner that takes a preparation. */
  async function updateWithRootPart(command: string, headSetup?: CommandGroup[]) {
    const runner = local();
    runner.runsPrelude = true;
    const t = setup(runner);
    const install = { group: 'cloudtik', command, label: 'install', rootScript: 'step x' };
    const cmds = headSetup ? commands({ head_setup_commands: headSetup }) : commands();
    await updateNode(t.base(config(cmds), { beforeStart: () => Promise.resolve(install) }));
    return { runner, logs: t.events.flatMap((e) => (e.type === 'log' ? [e.message] : [])) };
  }

  it("runs a first command's root part with the preparation (no sudo), as root runs it for the node user", async () => {
    const { runner, logs } = await updateWithRootPart('sudo -n bash -s <<X\nstep unused\nX', []);
    expect(runner.calls).toEqual(['<prepare>+script']);
    expect(runner.preludes[0]).toMatch(
      /\nSUDO_USER=ubuntu bash -s <<'CLOUDTIK_ROOT' \|\| exit \$\?\nstep x\nCLOUDTIK_ROOT$/,
    );
    expect(runner.ran()).toEqual(['start']);
    expect(logs).toContain("[n1] (cloudtik) install (with the node's preparation)");
  });

  it('keeps the sudo of a command whose call comes after the preparation went', async () => {
    const { runner } = await updateWithRootPart('step installed');
    expect(runner.calls).toEqual(['<prepare>+script', 'script']);
    expect(runner.preludes[0]).not.toContain('SUDO_USER');
    expect(runner.ran()).toEqual(['setup', 'installed', 'start']);
  });

  it('prepares a node not listed as running in a call of its own, as before', async () => {
    const runner = local();
    runner.runsPrelude = true;
    const t = setup(runner);
    const base = t.base(config(commands()));
    await updateNode({ ...base, node: { ...base.node, running: false } });
    expect(runner.calls).toEqual(['<prepare>', 'script', 'script']);
  });
});

describe('updateNode: failures', () => {
  it('fails with the node, the command and its output tail, and tags update-failed', async () => {
    const runner = local();
    const t = setup(runner);
    const mc = commands({ head_setup_commands: group('user', 'step one', 'flaky setup 1', 'step never') });
    const err = await updateNode(t.base(config(mc))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudtikError);
    const e = err as CloudtikError;
    expect(e.message).toMatch(/n1/);
    expect(e.message).toMatch(/exit 4/);
    expect(e.message).toMatch(/group user\): flaky setup 1/);
    expect(e.details.join('\n')).toMatch(/last line/);
    expect(e.details.join('\n')).toMatch(/boom/);
    // The output of the commands before is not part of the failed one's.
    expect(runner.ran()).toEqual(['one', 'setup']);
    expect(t.statuses.at(-1)).toBe('update-failed');
    expect(t.events.some((ev) => ev.type === 'node-phase' && ev.state === 'fail' && ev.phase === 'setting-up')).toBe(
      true,
    );
  });

  it("says to rebuild the node images when the node's cloudtik has no `node batch`", async () => {
    // A cloudtik from before `node batch`, as commander answers an unknown command.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-old-bin-'));
    fs.writeFileSync(
      path.join(bin, 'cloudtik'),
      `#!/bin/sh\n[ "$1 $2" = "node batch" ] && { echo "error: unknown command 'batch'" >&2; exit 1; }\nexit 0\n`,
      { mode: 0o755 },
    );
    const runner = new LocalRunner([bin]);
    runners.push(runner);
    const mc = commands({
      head_setup_commands: group('user', 'cloudtik runtime configure a', 'cloudtik runtime configure b'),
    });
    try {
      const err = await updateNode(setup(runner).base(config(mc))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CloudtikError);
      expect((err as CloudtikError).message).toMatch(/group user\): cloudtik runtime configure a/);
      expect((err as CloudtikError).hint).toMatch(/rebuild the node images with `cloudtik image build`/);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('updateNode: retries, output and deadlines', () => {
  it('retries a failed command a bounded number of times when asked, then goes on from it', async () => {
    const mc = commands({ head_setup_commands: group('user', 'step first', 'flaky setup 2', 'step after') });
    const ok = local();
    await updateNode(setup(ok).base(config(mc, { retry_setup_command: true, number_of_retries: 2 })));
    expect(ok.ran()).toEqual(['first', 'setup', 'setup', 'setup', 'after', 'start']);
    const ko = local();
    const mc5 = commands({ head_setup_commands: group('user', 'step first', 'flaky setup 5', 'step after') });
    await expect(
      updateNode(setup(ko).base(config(mc5, { retry_setup_command: true, number_of_retries: 2 }))),
    ).rejects.toThrow(/flaky setup 5/);
    expect(ko.ran()).toEqual(['first', 'setup', 'setup', 'setup']);
  });

  it('streams command output without the batch markers', async () => {
    const runner = local();
    const t = setup(runner);
    const mc = commands({ head_setup_commands: group('user', 'echo hello', 'printf "no newline"', 'echo world >&2') });
    await updateNode(t.base(config(mc)));
    const out = t.events
      .flatMap((e) => (e.type === 'command-output' && e.stream === 'stdout' ? [e.text] : []))
      .join('');
    const err = t.events
      .flatMap((e) => (e.type === 'command-output' && e.stream === 'stderr' ? [e.text] : []))
      .join('');
    expect(out).toBe('hello\nno newline');
    expect(err).toBe('world\n');
    const logged = t.events.flatMap((e) => (e.type === 'log' && e.level === 'debug' ? [e.message] : []));
    expect(logged).toEqual([
      '[n1] (user) echo hello',
      '[n1] (user) printf "no newline"',
      '[n1] (user) echo world >&2',
      '[n1] (user) step start',
      "[n1] (cloudtik) save the start commands for the node's boot",
    ]);
  });

  it('gives up waiting for a node after the deadline with a hint', async () => {
    let now = 0;
    const slowClock: Clock = { now: () => now, sleep: (ms) => ((now += ms), Promise.resolve()) };
    const runner = local();
    runner.prepareFails = true;
    const t = setup(runner);
    const err = (await updateNode(t.base(config(commands()), { clock: slowClock })).catch(
      (e: unknown) => e,
    )) as CloudtikError;
    expect(err.code).toBe('ERR_CLOUDTIK_TIMEOUT');
    expect(err.message).toMatch(/n1 did not answer/);
    expect(err.hint).toMatch(/docker inspect n1/);
  });
});

describe('withRootParts', () => {
  const bash = (script: string) => spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  const c = (label: string, rootScript?: string) => ({ group: 'g', command: `sudo ${label}`, label, rootScript });

  it('adds the root scripts at the head of the commands, in order, and leaves the rest', () => {
    const r = withRootParts(
      'echo prepared',
      [c('a', 'echo "a for $SUDO_USER"'), c('b', 'echo b'), c('c'), c('d', 'echo d')],
      "o'brien",
    );
    expect(r.folded.map((x) => x.label)).toEqual(['a', 'b']);
    expect(r.before.map((x) => x.label)).toEqual(['c', 'd']);
    const run = bash(r.prelude);
    expect(run.stdout).toBe("prepared\na for o'brien\nb\n");
    expect(withRootParts('true', [c('a', 'echo CLOUDTIK_ROOT')], 'u').prelude).toContain("<<'CLOUDTIK_ROOT_'");
    expect(run.status).toBe(0);
  });

  it('ends the preparation at a root part that fails, with its exit code, and keeps a set -e inside it', () => {
    const r = withRootParts('true', [c('a', 'set -e\nfalse\necho not here'), c('b', 'echo nor here')], 'ubuntu');
    // As the wrapper runs a preparation: in a subshell on the left of an || (see prelude.ts).
    const wrapper = '( eval "$PRELUDE" ) || exit $?\necho after';
    const run = spawnSync('bash', ['-c', wrapper], { encoding: 'utf8', env: { ...process.env, PRELUDE: r.prelude } });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
  });

  it('changes nothing when the first command has no root part', () => {
    const r = withRootParts('true', [c('a'), c('b', 'echo b')], 'ubuntu');
    expect(r.prelude).toBe('true');
    expect(r.before).toHaveLength(2);
  });
});

describe('preparationScript', () => {
  it('waits for the boot and drops the resume script only where nodes resume', () => {
    const resuming = preparationScript('ubuntu', { dropResume: true, resumes: true });
    expect(resuming).toContain('/proc/1/cmdline');
    expect(resuming).toContain('rm -f /var/lib/cloudtik/boot/resume.sh');
    expect(preparationScript('ubuntu', { dropResume: false, resumes: true })).not.toContain('rm -f');
    const never = preparationScript('ubuntu', { dropResume: true, resumes: false });
    expect(never).not.toContain('/proc/1/cmdline');
    expect(never).not.toContain('rm -f');
    expect(never).toContain('useradd -m -s /bin/bash ubuntu');
  });
});
