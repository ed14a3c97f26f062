import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { spawnCall } from './local-runner.fixtures.js';
import { callWithPrelude, PREPARED, PreludeGate } from './prelude.js';
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

/** One call through the wrapper, with this machine's bash as the runner's call. */
async function wrapped(
  prelude: string,
  script: string,
  input = '',
): Promise<{ code: number; out: string; err: string; prepared?: boolean; seen: string }> {
  let seen = '';
  const r = await callWithPrelude(spawnCall, {
    prelude,
    script,
    argv: ['bash', '-c', SCRIPT_FROM_STDIN],
    onStdout: (t) => (seen += t),
    stdin: Readable.from([input]),
  });
  return { code: r.exitCode, out: r.stdout, err: r.stderr, prepared: r.prepared, seen };
}

describe('the preparation wrapper (real bash)', () => {
  it('runs the preparation first with its output on stderr, then the script, which reads its own input', async () => {
    const r = await wrapped('echo preparing; touch /dev/null', 'echo "script read: $(cat)"', 'the input');
    const out = 'script read: the input\n';
    // The wrapper's line came first, and neither the result nor the output seen carries it.
    expect(r).toEqual({ code: 0, out, err: 'preparing\n', prepared: true, seen: out });
  });

  it('gives the preparation no input: it cannot read the script that follows', async () => {
    const r = await wrapped('cat; echo "left: $(wc -c </dev/stdin)"', 'echo ran');
    expect(r).toMatchObject({ out: 'ran\n', err: 'left: 0\n', prepared: true });
  });

  it('ends with the preparation exit code, without the line or the script, when it fails', async () => {
    const r = await wrapped('echo not yet >&2; exit 7', 'echo ran');
    expect(r).toEqual({ code: 7, out: '', err: 'not yet\n', prepared: false, seen: '' });
  });

  it('passes on the exit code of the script after a preparation that succeeded', async () => {
    expect(await wrapped('true', 'exit 4')).toMatchObject({ code: 4, out: '', prepared: true });
  });
});
