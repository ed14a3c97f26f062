import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatchScript, MarkerFilter, plainCloudtikArgs, runBatch, type MarkerEvent } from './batch.js';
import { LocalRunner } from './local-runner.fixtures.js';
import type { CommandRunner } from './runner.js';

function filter(chunks: string[]): { text: string; events: MarkerEvent[] } {
  let text = '';
  const events: MarkerEvent[] = [];
  const f = new MarkerFilter(
    'abc123',
    (t) => (text += t),
    (e) => events.push(e),
  );
  for (const c of chunks) f.push(c);
  f.end();
  return { text, events };
}

describe('MarkerFilter', () => {
  it('takes markers out of the output, also when they arrive cut into pieces', () => {
    const whole = 'a\n\x1eabc123:run:0\nout 0\n\x1eabc123:fail:0:3\n\x1eabc123:run:1\nout 1';
    const expected = {
      text: 'a\nout 0\nout 1',
      events: [
        { type: 'run', index: 0 },
        { type: 'fail', index: 0, exitCode: 3 },
        { type: 'run', index: 1 },
      ],
    };
    expect(filter([whole])).toEqual(expected);
    // Every cut of the stream into two chunks, and one character at a time.
    for (let i = 1; i < whole.length; i++) expect(filter([whole.slice(0, i), whole.slice(i)])).toEqual(expected);
    expect(filter([...whole])).toEqual(expected);
  });

  it('passes through record separators that are not its markers', () => {
    expect(filter(['x\x1eother:run:1\ny', '\x1e'])).toEqual({ text: 'x\x1eother:run:1\ny\x1e', events: [] });
    expect(filter(['\x1eabc123:run:notanumber\n'])).toEqual({ text: '\x1eabc123:run:notanumber\n', events: [] });
  });
});

describe('runBatch (real bash)', () => {
  const runners: LocalRunner[] = [];
  const local = (): LocalRunner => {
    const r = new LocalRunner();
    runners.push(r);
    return r;
  };
  afterEach(() => {
    for (const r of runners.splice(0)) r.cleanup();
  });
  const cmds = (...commands: string[]) => commands.map((command) => ({ group: 'g', command }));

  it('runs the commands in order in one call and says which started', async () => {
    const r = local();
    const started: number[] = [];
    const result = await runBatch(r, cmds('step a', 'step b', 'step c'), { onCommand: (i) => started.push(i) });
    expect(result).toEqual({ failures: [], started: 3 });
    expect(started).toEqual([0, 1, 2]);
    expect(r.ran()).toEqual(['a', 'b', 'c']);
    expect(r.calls).toEqual(['script']);
  });

  it('stops at the first failure, with that command and its own output', async () => {
    const r = local();
    const result = await runBatch(r, cmds('echo before; step a', 'flaky b 1', 'step c'));
    expect(result.started).toBe(2);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ index: 1, exitCode: 4 });
    expect(result.failures[0]?.output.join('\n')).toMatch(/some output\nlast line\n+boom/);
    expect(result.failures[0]?.output.join('\n')).not.toMatch(/before/);
    expect(r.ran()).toEqual(['a', 'b']);
  });

  it('goes on after failures when asked (stop commands), and reports each', async () => {
    const r = local();
    const result = await runBatch(r, cmds('exit 3', 'step b', 'false', 'step d'), { keepGoing: true });
    expect(result.failures.map((f) => [f.index, f.exitCode])).toEqual([
      [0, 3],
      [2, 1],
    ]);
    expect(r.ran()).toEqual(['b', 'd']);
  });

  it('gives each command the environment, after ~/.bashrc, and pipefail', async () => {
    const r = local();
    const result = await runBatch(r, cmds('step "$X"', 'false | true', 'step never'), {
      env: { X: "it's $HOME" },
    });
    expect(r.ran()).toEqual(["it's $HOME"]);
    expect(result.failures[0]).toMatchObject({ index: 1, exitCode: 1 });
  });

  it('puts a command that does not parse on the command itself', async () => {
    const r = local();
    const result = await runBatch(r, cmds('step a', 'echo "unclosed', 'step c'));
    expect(r.ran()).toEqual(['a']);
    expect(result.failures[0]?.index).toBe(1);
    expect(result.failures[0]?.exitCode).not.toBe(0);
  });

  it("tells each command's stderr apart by its own markers, whichever stream is read first", async () => {
    const r = local();
    // Every stderr chunk reaches runBatch before any of stdout (two pipes, read in any order).
    const stdoutLast: CommandRunner = Object.assign(Object.create(r) as LocalRunner, {
      run: async (o: Parameters<CommandRunner['run']>[0]) => {
        const held: string[] = [];
        const result = await r.run({ ...o, onStdout: (chunk) => held.push(chunk) });
        for (const chunk of held) o.onStdout?.(chunk);
        return result;
      },
    });
    let stderr = '';
    const result = await runBatch(
      stdoutLast,
      cmds('echo out-a; echo err-a >&2; exit 3', 'echo err-b >&2; exit 4', 'step c'),
      { keepGoing: true, onStderr: (t) => (stderr += t) },
    );
    expect(result.failures.map((f) => [f.index, f.exitCode])).toEqual([
      [0, 3],
      [1, 4],
    ]);
    expect(result.failures[0]?.output.filter(Boolean)).toEqual(['out-a', 'err-a']);
    expect(result.failures[1]?.output.filter(Boolean)).toEqual(['err-b']);
    expect(stderr).toBe('err-a\nerr-b\n');
    expect(r.ran()).toEqual(['c']);
  });

  it('runs nothing for no commands', async () => {
    const r = local();
    expect(await runBatch(r, [])).toEqual({ failures: [], started: 0 });
    expect(r.calls).toEqual([]);
  });
});

describe('plain cloudtik commands', () => {
  it('are cloudtik calls whose words the shell passes on unchanged', () => {
    expect(plainCloudtikArgs('cloudtik runtime configure hdfs --head')).toEqual([
      'runtime',
      'configure',
      'hdfs',
      '--head',
    ]);
    expect(plainCloudtikArgs('  cloudtik node start --runtimes=a,b  ')).toEqual(['node', 'start', '--runtimes=a,b']);
    for (const command of [
      'cloudtik',
      'cloudtikx node start',
      'sudo cloudtik node start',
      'cloudtik node start "x"',
      "cloudtik node start 'x'",
      'cloudtik node start $X',
      'cloudtik upload ~/a /b',
      'cloudtik node start | tee log',
      'cloudtik node start; rm x',
      'cloudtik node start\nrm x',
      'cloudtik node start > log',
      'cloudtik exec c.yaml *',
      'cloudtik node start # comment',
      'cloudtik node start &',
    ]) {
      expect(plainCloudtikArgs(command), command).toBeUndefined();
    }
  });

  it('run as one `cloudtik node batch` call when two or more follow each other', () => {
    const script = buildBatchScript(
      ['step a', 'cloudtik x', 'cloudtik y --z', 'step b', 'cloudtik w', 'cloudtik v', 'cloudtik u'],
      { nonce: 'ab12', keepGoing: true },
    );
    const calls = script.split('\n').filter((line) => line.includes('cloudtik '));
    expect(calls).toEqual([
      "cloudtik node batch --nonce ab12 --first 1 --keep-going -- x 'y --z'",
      'cloudtik node batch --nonce ab12 --first 4 --keep-going -- w v u',
    ]);
    // The script marks the start of each run, on stdout and on stderr; the process marks the
    // commands after its first.
    expect(script.match(/:run:%d\\n' ab12 \d+( >&2)?$/gm)).toEqual(
      [0, 1, 3, 4].flatMap((i) => [`:run:%d\\n' ab12 ${i}`, `:run:%d\\n' ab12 ${i} >&2`]),
    );
    const single = buildBatchScript(['cloudtik x', 'step a', 'cloudtik y'], { nonce: 'ab12' });
    expect(single).not.toMatch(/node batch/);
  });

  it("tell every command the pid of the call's shell (services held until the call ends wait for it)", () => {
    const script = buildBatchScript(['echo "call $CLOUDTIK_NODE_CALL_PID"', 'echo "again $CLOUDTIK_NODE_CALL_PID"'], {
      nonce: 'ab12',
    });
    const shell = spawnSync('bash', ['-c', `${script}\necho "shell $$"`], { encoding: 'utf8' });
    const pids = [...shell.stdout.matchAll(/^(call|again|shell) (\d+)$/gm)].map((m) => m[2]);
    expect(pids).toHaveLength(3);
    expect(new Set(pids).size).toBe(1);
    expect(Number(pids[0])).toBe(shell.pid);
  });

  it('a failure marker without an index is the command running then', () => {
    expect(filter(['\x1eabc123:run:4\n\x1eabc123:fail:?:2\n'])).toEqual({
      text: '',
      events: [
        { type: 'run', index: 4 },
        { type: 'fail', index: undefined, exitCode: 2 },
      ],
    });
  });
});
