import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gatedCall, PREPARED, PreludeGate, preludeArgv, preludeStdinHead } from './prelude.js';
import { SCRIPT_FROM_STDIN } from './shell.js';

describe('PreludeGate', () => {
  const gate = (chunks: string[]): { text: string; passed: boolean } => {
    let text = '';
    const g = new PreludeGate((t) => (text += t));
    for (const c of chunks) g.push(c);
    g.end();
    return { text, passed: g.passed };
  };

  it.each([
    ['the line alone, then output', [PREPARED, 'out\n'], 'out\n', true],
    ['the line and output in one chunk', [`${PREPARED}out\n`], 'out\n', true],
    [
      'the line cut across chunks',
      [PREPARED.slice(0, 3), PREPARED.slice(3, 9), `${PREPARED.slice(9)}out`],
      'out',
      true,
    ],
    ['no output at all (the preparation failed)', [], '', false],
    ['output that is not the line', ['hello\n', PREPARED], `hello\n${PREPARED}`, false],
    ['a start of the line only', [PREPARED.slice(0, 5)], PREPARED.slice(0, 5), false],
  ])('%s', (_what, chunks, text, passed) => {
    expect(gate(chunks)).toEqual({ text, passed });
  });
});

/** The wrapper run by this machine's bash, as a runner would run it: argv, then stdin. */
function wrapped(prelude: string, script: string, input = ''): { code: number; out: string; err: string } {
  const argv = preludeArgv(['bash', '-c', SCRIPT_FROM_STDIN]);
  const r = spawnSync(argv[0]!, argv.slice(1), {
    input: `${preludeStdinHead(prelude, script)}\0${input}`,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('the preparation wrapper (real bash)', () => {
  it('runs the preparation first with its output on stderr, then the script, which reads its own input', () => {
    const r = wrapped('echo preparing; touch /dev/null', 'echo "script read: $(cat)"', 'the input');
    expect(r).toEqual({ code: 0, out: `${PREPARED}script read: the input\n`, err: 'preparing\n' });
  });

  it('gives the preparation no input: it cannot read the script that follows', () => {
    const r = wrapped('cat; echo "left: $(wc -c </dev/stdin)"', 'echo ran');
    expect(r.out).toBe(`${PREPARED}ran\n`);
    expect(r.err).toBe('left: 0\n');
  });

  it('ends with the preparation exit code, without the line or the script, when it fails', () => {
    const r = wrapped('echo not yet >&2; exit 7', 'echo ran');
    expect(r).toEqual({ code: 7, out: '', err: 'not yet\n' });
  });

  it('passes on the exit code of the script after a preparation that succeeded', () => {
    expect(wrapped('true', 'exit 4')).toMatchObject({ code: 4, out: PREPARED });
  });
});

describe('gatedCall', () => {
  it("says whether the preparation succeeded, and keeps the line out of the caller's output and the result", async () => {
    const seen: string[] = [];
    const call = (stdout: string) => (onStdout: (t: string) => void) => {
      onStdout(stdout);
      return Promise.resolve({ exitCode: 0, stdout, stderr: '' });
    };
    const ok = await gatedCall((t) => seen.push(t), call(`${PREPARED}done\n`));
    expect(ok).toEqual({ exitCode: 0, stdout: 'done\n', stderr: '', prepared: true });
    expect(seen.join('')).toBe('done\n');
    const failed = await gatedCall(undefined, call(''));
    expect(failed.prepared).toBe(false);
  });
});
