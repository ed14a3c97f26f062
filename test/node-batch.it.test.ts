/**
 * Consecutive plain `cloudtik` commands of a node's batch run in one `cloudtik node batch` process
 * of the built CLI (core/command/batch.ts): each command as it would run alone, its start and its
 * failure told apart from its neighbours'.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../src/core/command/batch.js';
import { waitUpTo } from '../src/core/deadline.js';
import { LocalRunner } from '../src/core/command/local-runner.fixtures.js';
import { servicePid, startService } from '../src/node/services.js';
import { CLI, cli, tempDir } from './helpers.js';

const cmds = (...commands: string[]) => commands.map((command) => ({ group: 'g', command }));

describe('cloudtik node batch', () => {
  const runners: LocalRunner[] = [];
  // A `cloudtik` that records its arguments in the runner's ~/cloudtik-calls, then runs the built CLI.
  let bin: string;
  beforeAll(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-bin-'));
    fs.writeFileSync(
      path.join(bin, 'cloudtik'),
      `#!/bin/sh\necho "$*" >> "$HOME/cloudtik-calls"\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
      { mode: 0o755 },
    );
  });
  afterEach(() => {
    for (const r of runners.splice(0)) r.cleanup();
  });
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

  /** A runner whose PATH has that `cloudtik`, and the calls it recorded. */
  function withCli(): { runner: LocalRunner; calls: () => string[] } {
    const runner = new LocalRunner([bin]);
    runners.push(runner);
    const file = path.join(runner.home, 'cloudtik-calls');
    return {
      runner,
      calls: () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : []),
    };
  }

  it('runs a run of cloudtik commands in one process, and stops at the failed one', async () => {
    const { runner, calls } = withCli();
    const started: number[] = [];
    let out = '';
    const result = await runBatch(
      runner,
      cmds('step a', 'cloudtik --version', 'cloudtik --version', 'cloudtik nosuch', 'cloudtik --version', 'step e'),
      { onCommand: (i) => started.push(i), onStdout: (t) => (out += t) },
    );
    expect(started).toEqual([0, 1, 2, 3]);
    expect(result.started).toBe(4);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ index: 3, exitCode: 2 });
    expect(result.failures[0]?.output.join('\n')).toMatch(/unknown command 'nosuch'/);
    expect(runner.ran()).toEqual(['a']);
    // Both versions printed, no marker left in the output.
    expect(out.match(/^\d+\.\d+\.\d+$/gm)).toHaveLength(2);
    expect(out).not.toContain('\x1e');
    expect(calls()).toHaveLength(1);
    expect(calls()[0]).toMatch(/^node batch --nonce [0-9a-f]+ --first 1 -- --version --version nosuch --version$/);
  });

  it('in keep-going mode reports every failed command and runs the rest', async () => {
    const { runner, calls } = withCli();
    const result = await runBatch(
      runner,
      cmds('cloudtik nosuch', 'cloudtik --version', 'cloudtik runtime configure nosuch', 'step d'),
      { keepGoing: true },
    );
    expect(result.failures.map((f) => f.index)).toEqual([0, 2]);
    expect(result.failures[0]?.exitCode).toBe(2);
    expect(result.failures[1]?.exitCode).not.toBe(0);
    expect(result.failures[1]?.output.join('\n')).toMatch(/nosuch/);
    expect(result.failures[1]?.output.join('\n')).not.toMatch(/unknown command 'nosuch'/);
    expect(runner.ran()).toEqual(['d']);
    expect(calls()).toHaveLength(1);
  });

  it('in keep-going mode stops the services of runtimes that follow one another at once', async () => {
    const { runner, calls } = withCli();
    const runtimeDir = path.join(runner.home, 'runtime', 'cloudtik');
    const log = path.join(runner.home, 'stops');
    // A DataNode and a NodeManager stand-in: each takes a second to end after SIGTERM and notes when.
    const daemons = ['hdfs-datanode', 'yarn-nodemanager'];
    for (const name of daemons) {
      const note = (what: string): string => `echo "${name} ${what} $(date +%s%N)" >> ${log}`;
      await startService(
        name,
        [
          'bash',
          '-c',
          `trap '${note('term')}; sleep 1; ${note('end')}; exit 0' TERM; ${note('ready')}; while :; do sleep 0.1; done`,
        ],
        { runtimeDir },
      );
    }
    // Stopped once each has its handler (a stop before that would end it at once, with no notes).
    const ready = (): boolean =>
      fs.existsSync(log) && (fs.readFileSync(log, 'utf8').match(/ ready /g) ?? []).length === 2;
    expect(await waitUpTo(ready, { what: 'the daemons to be ready', ms: 10_000, pauseMs: 20 })).toBe(true);
    const env = {
      CLOUDTIK_RUNTIME_DIR: runtimeDir,
      CLOUDTIK_RUNTIME_CONFIG: Buffer.from(JSON.stringify({ types: ['hdfs', 'yarn'] })).toString('base64'),
    };
    let out = '';
    const result = await runBatch(
      runner,
      cmds(
        'cloudtik runtime services hdfs stop',
        'cloudtik runtime services yarn stop',
        'cloudtik runtime services nosuch stop',
        'step d',
      ),
      { keepGoing: true, env, onStdout: (t) => (out += t) },
    );
    expect(result.failures.map((f) => f.index)).toEqual([2]);
    expect(result.failures[0]?.output.join('\n')).toMatch(/unknown runtime 'nosuch'/);
    expect(runner.ran()).toEqual(['d']);
    expect(out).toMatch(/^hdfs: stop done$/m);
    expect(out).toMatch(/^yarn: stop done$/m);
    expect(calls()).toHaveLength(1);
    for (const name of daemons) expect(await servicePid(name, runtimeDir), name).toBeUndefined();
    // Each daemon had its SIGTERM before the other one ended.
    const at = (name: string, what: string): number =>
      Number(new RegExp(`^${name} ${what} (\\d+)$`, 'm').exec(fs.readFileSync(log, 'utf8'))?.[1]);
    expect(at('hdfs-datanode', 'term')).toBeLessThan(at('yarn-nodemanager', 'end'));
    expect(at('yarn-nodemanager', 'term')).toBeLessThan(at('hdfs-datanode', 'end'));
  });

  it('gives a failure to the run when no cloudtik is found', async () => {
    const runner = new LocalRunner();
    runners.push(runner);
    // A PATH without any cloudtik this machine may have.
    const result = await runBatch(runner, cmds('step a', 'cloudtik --version', 'cloudtik --version', 'step d'), {
      env: { PATH: '/nonexistent' },
    });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ index: 1, exitCode: 127 });
    expect(runner.ran()).toEqual(['a']);
  });
});

/** `argv` fails with a usage error (exit 2) that says `message` and `hint`, without a stack trace. */
async function expectUsageError(argv: string[], message: string, hint: string): Promise<void> {
  const r = await cli(argv);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(message);
  expect(r.stderr).toContain(hint);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('cloudtik node run', () => {
  // bin/cloudtik.js loads only the services' entry for exactly `node run <service>`; anything else
  // goes through the whole command line. Both say the same of a bad call.
  it('refuses an unknown service with a usage error and a hint, without a stack trace', async () => {
    await expectUsageError(['node', 'run', 'bogus'], 'unknown service bogus', 'hint: use agent, controller or jobs');
  });

  it('leaves help and extra arguments to the command line', async () => {
    const help = await cli(['node', 'run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('run a node service in the foreground (agent | controller | jobs)');
    const extra = await cli(['node', 'run', 'agent', 'more']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/too many arguments/);
  });
});

describe('cloudtik node start', () => {
  // bin/cloudtik.js loads only the node-side entry for `node start` with its own flags; anything
  // else goes through the whole command line. Both print and exit the same.
  it('starts the agent and says so, then finds it running, as the command does', async () => {
    const dir = await tempDir('node-start');
    const env = { CLOUDTIK_RUNTIME_DIR: dir };
    try {
      const first = await cli(['node', 'start'], { env });
      expect(first).toMatchObject({ code: 0, stdout: 'started agent\n' });
      const again = await cli(['node', 'start'], { env });
      expect(again).toMatchObject({ code: 0, stdout: 'agent already running\n' });
      // Through the command line (--json is no flag of the fast path): the same result.
      const json = await cli(['node', 'start', '--json'], { env });
      expect(JSON.parse(json.stdout)).toMatchObject({ started: [], running: ['agent'] });
      expect((await cli(['node', 'stop'], { env })).stdout).toBe('stopped agent\n');
    } finally {
      await cli(['node', 'stop'], { env });
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it("runs a batch of them in one process with the batch's markers, a failed one marked and ending it", async () => {
    const dir = await tempDir('node-start-batch');
    const env = { CLOUDTIK_RUNTIME_DIR: dir };
    try {
      const batch = ['node', 'batch', '--nonce', 'ab12', '--first', '2', '--'];
      const ok = await cli([...batch, 'node start', 'node start --restart'], { env });
      expect(ok).toMatchObject({ code: 0, stdout: 'started agent\n\u001eab12:run:3\nstopped agent\nstarted agent\n' });
      const failed = await cli([...batch, 'node start', 'node start --controller', 'node start'], { env });
      expect(failed.code).toBe(2);
      expect(failed.stdout).toBe('agent already running\n\u001eab12:run:3\n');
      expect(failed.stderr).toContain('the controller runs on the head only');
    } finally {
      await cli(['node', 'stop'], { env });
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses the controller without --head with a usage error and a hint, without a stack trace', async () => {
    await expectUsageError(
      ['node', 'start', '--controller'],
      'the controller runs on the head only',
      'hint: add --head',
    );
    const unknown = await cli(['node', 'start', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
  });
});
