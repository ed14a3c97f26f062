import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { asRootCommand, buildNodeScript, exportLines, quote, quoteArgs, writeFileLines } from './shell.js';
import { HOSTILE_VALUES } from './hostile.fixtures.js';

const HOSTILE = HOSTILE_VALUES;

/** What bash sees as argv after parsing our quoted words. */
function bashArgv(line: string): string[] {
  const out = execFileSync('bash', ['-c', `for a in ${line}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('quote', () => {
  it.each(HOSTILE)('passes %j through bash literally', (value) => {
    expect(bashArgv(quote(value))).toEqual([value]);
  });

  it('keeps safe words unquoted and quotes the rest', () => {
    expect(quote('/tmp/a-b_c.tgz')).toBe('/tmp/a-b_c.tgz');
    expect(quote('a b')).toBe("'a b'");
  });

  it('joins many hostile words into one line that parses back to the same argv', () => {
    expect(bashArgv(quoteArgs(HOSTILE))).toEqual(HOSTILE);
  });
});

describe('exportLines and buildNodeScript', () => {
  it('exports hostile values exactly and runs nothing from them', () => {
    const env = Object.fromEntries(HOSTILE.map((v, i) => [`V${i}`, v]));
    const script = buildNodeScript({
      env,
      command: `for i in $(seq 0 ${HOSTILE.length - 1}); do n=V$i; printf '%s\\0' "\${!n}"; done`,
    });
    const out = execFileSync('bash', ['-c', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: '/nonexistent' },
    });
    expect(out.split('\0').slice(0, -1)).toEqual(HOSTILE);
  });

  it('refuses environment names that are not identifiers', () => {
    expect(() => exportLines({ 'A;touch x': '1' })).toThrow(/invalid environment variable name/);
    expect(() => exportLines({ '1A': '1' })).toThrow();
  });

  it('returns the exit code of the command', () => {
    let status: number | null = null;
    try {
      execFileSync('bash', ['-c', buildNodeScript({ command: 'exit 3' })], { stdio: 'ignore' });
    } catch (err) {
      status = (err as { status: number | null }).status;
    }
    expect(status).toBe(3);
  });
});

describe('asRootCommand and writeFileLines', () => {
  /** Write `bytes` with writeFileLines inside asRootCommand through real bash; the file and the output. */
  function written(bytes: Buffer): { file: Buffer; mode: string; out: string; lines: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-shell-'));
    try {
      const file = path.join(dir, 'out file');
      const lines = writeFileLines(file, bytes, 'ab12');
      const inner = ['set -e', 'umask 077', lines, 'echo "argv: $#"'].join('\n');
      // No sudo here: a function stands in for it, as root runs the script itself.
      const script = `sudo() { shift; "$@"; }\n${asRootCommand(inner, 'ab12')}`;
      const out = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
      return { file: fs.readFileSync(file), mode: (fs.statSync(file).mode & 0o777).toString(8), out, lines };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('write any bytes exactly, through a here document inside another', () => {
    const bytes = Buffer.concat([
      Buffer.from(HOSTILE.join('\n')),
      Buffer.from([0, 255, 10, 13]),
      Buffer.alloc(300, 65),
    ]);
    const r = written(bytes);
    expect(r.file).toEqual(bytes);
    expect(r.mode).toBe('600');
    expect(r.out.trim()).toBe('argv: 0');
  });

  it('write text without a NUL byte with bash alone, on one line that no here document can end', () => {
    const bytes = Buffer.concat([
      Buffer.from(HOSTILE.join('\n')),
      Buffer.from("\nCLOUDTIK_ab12\n$'x'\\x41 \\\\ '' \t\r\nnaïve ☃\n"),
      Buffer.from([1, 27, 127, 128, 255, 10]),
      Buffer.from('{"redisPassword":"p\'q\\"r"}'),
    ]);
    const r = written(bytes);
    expect(r.file).toEqual(bytes);
    expect(r.mode).toBe('600');
    expect(r.out.trim()).toBe('argv: 0');
    expect(r.lines).toMatch(/^printf '%s' \$'[^\n]*' > /);
    expect(r.lines).not.toContain('base64');
    expect(r.lines).not.toContain('redisPassword');
  });
});
