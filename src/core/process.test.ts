import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { CloudtikError } from './errors.js';
import {
  ownCliArgv,
  runInteractive,
  runInteractiveSync,
  runTool,
  startDetached,
  streamTool,
  toolError,
} from './process.js';

describe('runTool', () => {
  it('returns the exit code, both outputs and the last lines of them, without throwing', async () => {
    const r = await runTool(
      'bash',
      ['-c', 'for i in 1 2 3 4; do echo out$i; done; echo err >&2; printf last; exit 3'],
      {
        tailLines: 3,
      },
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out1\nout2\nout3\nout4\nlast');
    expect(r.stderr).toBe('err\n');
    expect(r.tail).toHaveLength(3);
    expect(r.tail).toContain('last');
  });

  it('passes the environment it is given', async () => {
    const r = await runTool('bash', ['-c', 'printf %s "$PROBE"'], { env: { PATH: '/usr/bin:/bin', PROBE: 'x1' } });
    expect(r.stdout).toBe('x1');
  });
});

describe('toolError', () => {
  it('names what failed, the command and the exit code, with the output tail as details', async () => {
    const r = await runTool('bash', ['-c', 'echo first; echo; echo "no such mirror" >&2; exit 7']);
    const err = toolError(r, { code: 'ERR_CLOUDTIK_IMAGE', what: 'debootstrap bookworm', command: 'debootstrap x' });
    expect(err).toBeInstanceOf(CloudtikError);
    expect(err.code).toBe('ERR_CLOUDTIK_IMAGE');
    expect(err.message).toBe('debootstrap bookworm failed (exit code 7): debootstrap x');
    expect(err.details).toEqual(expect.arrayContaining(['first', 'no such mirror']));
    expect(err.details).not.toContain('');
  });
});

describe('streamTool', () => {
  it('streams stdout to a consumer and reports how the program ended with its stderr', async () => {
    const s = streamTool('bash', ['-c', 'head -c 300000 /dev/zero; echo broken >&2; exit 2']);
    expect((await text(s.stdout)).length).toBe(300_000);
    const done = await s.done;
    expect(done.code).toBe(2);
    expect(done.tail).toEqual(['broken']);
  });

  it('ends the program when its consumer gives up', async () => {
    const s = streamTool('bash', ['-c', 'exec sleep 30']);
    s.kill();
    expect((await s.done).code).toBe(128);
  });
});

describe('startDetached', () => {
  it('starts a program in its own process group that keeps running, and returns its pid', () => {
    const pid = startDetached('sleep', ['30'], { env: { PATH: '/usr/bin:/bin' } });
    expect(pid).toBeGreaterThan(0);
    try {
      // Its own group: signalling the group of that pid reaches it.
      expect(() => process.kill(-pid!, 0)).not.toThrow();
    } finally {
      process.kill(-pid!, 'SIGKILL');
    }
  });
});

describe('runInteractive', () => {
  it('waits for the program and returns its exit code', async () => {
    expect(await runInteractive('bash', ['-c', 'exit 4'])).toBe(4);
    expect(runInteractiveSync('bash', ['-c', 'exit 5'])).toBe(5);
  });

  it('rejects a program that does not exist; the sync form says 1', async () => {
    await expect(runInteractive('/nonexistent/tool', [])).rejects.toThrow(/ENOENT/);
    expect(runInteractiveSync('/nonexistent/tool', [])).toBe(1);
  });
});

describe('ownCliArgv', () => {
  it('runs this same CLI on the same Node with the arguments given', () => {
    expect(ownCliArgv('runtime', 'run', 'discovery-relay')).toEqual([
      process.execPath,
      process.argv[1],
      'runtime',
      'run',
      'discovery-relay',
    ]);
  });
});
