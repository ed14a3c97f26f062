import { describe, expect, it } from 'vitest';
import type { ClusterConfig, CommandGroup, MergedCommands } from '../../config/types.js';
import { TAG, type NodeInfo, type NodeProvider } from '../../providers/provider.js';
import type { Clock } from '../clock.js';
import type { CommandResult, CommandRunner, RunOptions } from '../command/runner.js';
import { CloudtikError } from '../errors.js';
import type { CoreEvent } from '../events.js';
import { updateNode, type NodeUpdateOptions } from './node-updater.js';

const group = (name: string, ...commands: string[]): CommandGroup[] => [{ group_name: name, commands }];

function commands(over: Partial<MergedCommands> = {}): MergedCommands {
  return {
    head_initialization_commands: [],
    worker_initialization_commands: [],
    head_setup_commands: group('user', 'echo setup'),
    worker_setup_commands: group('user', 'echo wsetup'),
    head_start_commands: group('user', 'echo start'),
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

/** A fake node: records commands, fails the ones matching `failOn` a number of times. */
class FakeRunner implements CommandRunner {
  readonly nodeId = 'n1';
  readonly ran: string[] = [];
  constructor(private readonly fail: { match: string; times: number } | undefined = undefined) {}
  run(o: RunOptions): Promise<CommandResult> {
    this.ran.push(o.asRoot ? '<prepare>' : o.command);
    if (this.fail && o.command.includes(this.fail.match) && this.fail.times > 0) {
      this.fail.times--;
      return Promise.resolve({ exitCode: 4, stdout: 'some output\nlast line', stderr: 'boom' });
    }
    return Promise.resolve({ exitCode: 0, stdout: '', stderr: '' });
  }
  upload(): Promise<void> {
    return Promise.resolve();
  }
  download(): Promise<void> {
    return Promise.resolve();
  }
  interactiveShellArgv(): string[] {
    return [];
  }
}

const clock: Clock = { now: () => 0, sleep: () => Promise.resolve() };

function setup(runner: FakeRunner, tags: Record<string, string> = {}) {
  const statuses: string[] = [];
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
    setTags: (_id: string, t: Record<string, string>) => {
      setTags.push(t);
      const s = t[TAG.nodeStatus];
      if (s !== undefined) statuses.push(s);
      return Promise.resolve();
    },
    commandRunner: () => runner,
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
  return { statuses, setTags, events, base };
}

describe('updateNode', () => {
  it('walks the statuses and runs setup then start', async () => {
    const runner = new FakeRunner();
    const t = setup(runner);
    const r = await updateNode(t.base(config(commands())));
    expect(t.statuses).toEqual(['waiting-for-ssh', 'setting-up', 'up-to-date']);
    expect(runner.ran).toEqual(['<prepare>', 'echo setup', 'echo start']);
    expect(r.setupSkipped).toBe(false);
    expect(t.setTags.at(-1)).toMatchObject({ [TAG.runtimeConfig]: 'h1', [TAG.fileMountsContents]: 'f1' });
  });

  it('skips setup when the hashes match, and runs nothing but start', async () => {
    const runner = new FakeRunner();
    const t = setup(runner, { [TAG.runtimeConfig]: 'h1', [TAG.fileMountsContents]: 'f1' });
    const r = await updateNode(t.base(config(commands())));
    expect(r.setupSkipped).toBe(true);
    expect(runner.ran).toEqual(['<prepare>', 'echo start']);
  });

  it('restart-only runs start commands only; no-restart runs setup only', async () => {
    const a = new FakeRunner();
    await updateNode(setup(a).base(config(commands()), { mode: 'restart-only' }));
    expect(a.ran).toEqual(['<prepare>', 'echo start']);
    const b = new FakeRunner();
    await updateNode(setup(b).base(config(commands()), { mode: 'no-restart' }));
    expect(b.ran).toEqual(['<prepare>', 'echo setup']);
  });

  it('fails with the node, the command and its output tail, and tags update-failed', async () => {
    const runner = new FakeRunner({ match: 'echo setup', times: 1 });
    const t = setup(runner);
    const err = await updateNode(t.base(config(commands()))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudtikError);
    const e = err as CloudtikError;
    expect(e.message).toMatch(/n1/);
    expect(e.message).toMatch(/exit 4/);
    expect(e.message).toMatch(/echo setup/);
    expect(e.details.join('\n')).toMatch(/last line/);
    expect(t.statuses.at(-1)).toBe('update-failed');
    expect(t.events.some((ev) => ev.type === 'node-phase' && ev.state === 'fail' && ev.phase === 'setting-up')).toBe(
      true,
    );
  });

  it('retries setup commands a bounded number of times when asked', async () => {
    const ok = new FakeRunner({ match: 'echo setup', times: 2 });
    await updateNode(setup(ok).base(config(commands(), { retry_setup_command: true, number_of_retries: 2 })));
    expect(ok.ran.filter((c) => c === 'echo setup')).toHaveLength(3);
    const ko = new FakeRunner({ match: 'echo setup', times: 5 });
    await expect(
      updateNode(setup(ko).base(config(commands(), { retry_setup_command: true, number_of_retries: 2 }))),
    ).rejects.toThrow(/echo setup/);
    expect(ko.ran.filter((c) => c === 'echo setup')).toHaveLength(3);
  });

  it('gives up waiting for a node after the deadline with a hint', async () => {
    let now = 0;
    const slowClock: Clock = { now: () => now, sleep: (ms) => ((now += ms), Promise.resolve()) };
    const runner = new FakeRunner({ match: 'useradd', times: 1000 });
    const t = setup(runner);
    const err = (await updateNode(t.base(config(commands()), { clock: slowClock })).catch(
      (e: unknown) => e,
    )) as CloudtikError;
    expect(err.code).toBe('ERR_CLOUDTIK_TIMEOUT');
    expect(err.message).toMatch(/n1 did not answer/);
    expect(err.hint).toMatch(/docker inspect n1/);
  });
});
