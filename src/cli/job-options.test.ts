import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  attachSessionCommand,
  parsePortList,
  planJob,
  sessionAliveCommand,
  sessionCommand,
  sessionName,
} from './job-options.js';

describe('planJob', () => {
  it.each([
    [{}, { start: 'no', stop: false, ports: [], notes: [] }],
    [{ start: true }, { start: 'if-down' }],
    [{ start: true, forceUpdate: true }, { start: 'always' }],
    [{ forceUpdate: true }, { start: 'no', notes: ['--force-update does nothing without --start'] }],
    [{ waitForWorkers: true, waitTimeout: 30 }, { wait: { minWorkers: undefined, timeoutMs: 30_000 } }],
    [{ waitForWorkers: true, minWorkers: 2 }, { wait: { minWorkers: 2, timeoutMs: 600_000 } }],
    [{ minWorkers: 2 }, { notes: ['--min-workers does nothing without --wait-for-workers'] }],
    [
      { screen: true, stop: true },
      { session: 'screen', stop: true },
    ],
    [
      { tmux: true, stop: true, jobWaiter: 'tmux' },
      { session: 'tmux', notes: [] },
    ],
    [{ jobWaiter: 'screen' }, { notes: ['--job-waiter only matters with --stop and --screen or --tmux'] }],
    [{ portForward: [8080, 9870] }, { ports: [8080, 9870] }],
    [{ force: true }, { notes: ['--force: the command runs whatever state the head is in; nothing is refused here'] }],
    [{ withEnv: true }, { notes: ["--with-env: the command gets the cluster's environment with or without it"] }],
  ])('%j plans %j', (given, expected) => {
    const plan = planJob({ waitTimeout: 600, ...given });
    expect(plan).toMatchObject(expected);
    if (!('wait' in expected)) expect(plan.wait).toBeUndefined();
  });

  it.each([
    [{ screen: true, tmux: true }, /--screen and --tmux cannot be used together/],
    [{ jobWaiter: 'yarn' }, /unknown job waiter yarn/],
    [{ screen: true, stop: true, jobWaiter: 'tmux' }, /--job-waiter tmux cannot wait for a screen session/],
  ])('refuses %j', (given, message) => {
    expect(() => planJob({ waitTimeout: 600, ...given })).toThrow(message);
  });
});

describe('parsePortList', () => {
  it('takes comma-separated ports and adds repeated options to the earlier ones', () => {
    expect(parsePortList('8080, 9870', undefined)).toEqual([8080, 9870]);
    expect(parsePortList('4040', [8080])).toEqual([8080, 4040]);
  });

  it.each(['0', '65536', 'http', '80,'])('refuses %s', (v) => {
    expect(() => parsePortList(v, undefined)).toThrow();
  });
});

describe('sessionName', () => {
  it('keeps a safe, short label and the time', () => {
    expect(sessionName('my job.py', 36 ** 3)).toBe('cloudtik-my-job-py-1000');
    expect(sessionName('***', 0)).toBe('cloudtik-job-0');
  });
});

/** Run a shell line with a PATH holding only `tools` (plus what bash needs), and return its exit code and stderr. */
function runWithTools(line: string, pathDirs: string): { code: number; stderr: string } {
  try {
    execFileSync('/bin/bash', ['-c', line], { env: { PATH: pathDirs }, stdio: ['ignore', 'ignore', 'pipe'] });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stderr: Buffer };
    return { code: e.status, stderr: e.stderr.toString() };
  }
}

describe('session commands', () => {
  it('start the command detached in the named session, quoted as one word', () => {
    expect(sessionCommand('screen', 'cloudtik-x-1', "echo 'hi' && sleep 1")).toContain(
      `screen -dmS cloudtik-x-1 bash -lc 'echo '\\''hi'\\'' && sleep 1'`,
    );
    expect(sessionCommand('tmux', 'cloudtik-x-1', 'make')).toContain(
      'tmux new-session -d -s cloudtik-x-1 bash -lc make',
    );
  });

  it.each(['screen', 'tmux'] as const)('fail with a clear message and 127 on a node without %s', (kind) => {
    const r = runWithTools(sessionCommand(kind, 'cloudtik-x-1', 'true'), '/nonexistent');
    expect(r.code).toBe(127);
    expect(r.stderr).toContain(`${kind} is not installed on this node`);
  });

  it('probe and join sessions with each tool', () => {
    expect(sessionAliveCommand('screen', 'a')).toBe('screen -S a -Q select . >/dev/null 2>&1');
    expect(sessionAliveCommand('tmux', 'a')).toBe('tmux has-session -t a 2>/dev/null');
    expect(attachSessionCommand('screen', false)).toMatch(/; screen -L -xRR$/);
    expect(attachSessionCommand('screen', true)).toMatch(/; screen -L$/);
    expect(attachSessionCommand('tmux', false)).toMatch(/; tmux attach-session 2>\/dev\/null \|\| tmux new-session$/);
    expect(attachSessionCommand('tmux', true)).toMatch(/; tmux new-session$/);
  });
});
