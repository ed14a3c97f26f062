import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { confirm } from './common.js';
import { main } from './main.js';

/** A stream standing for stdin: a terminal or not. */
function input(isTTY: boolean): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY });
}

describe('confirm', () => {
  it('without a terminal and without -y, refuses as a usage error that names -y', async () => {
    const err = await confirm('Stop cluster demo?', false, input(false)).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_CLOUDTIK_USAGE',
      exitCode: 2,
      message: '"Stop cluster demo?" needs an answer and there is no terminal to ask on',
      hint: 'pass -y (--yes) to go ahead without being asked',
    });
  });

  it('with -y answers yes, terminal or not, without reading', async () => {
    expect(await confirm('Stop cluster demo?', true, input(false))).toBe(true);
    expect(await confirm('Stop cluster demo?', true, input(true))).toBe(true);
  });

  it.each([
    ['y\n', true],
    ['yes\n', true],
    ['n\n', false],
    ['\n', false],
  ])('on a terminal, the answer %j is %s', async (answer, yes) => {
    const tty = input(true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const asked = confirm('Stop cluster demo?', false, tty);
      tty.write(answer);
      expect(await asked).toBe(yes);
      expect(String(stderr.mock.calls[0]?.[0])).toBe('Stop cluster demo? [y/N] ');
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('commands that ask first, run without a terminal', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-confirm-'));
    await fs.writeFile(path.join(dir, 'cluster.yaml'), 'cluster_name: demo\nprovider:\n  type: virtual\n');
    await fs.writeFile(path.join(dir, 'ws.yaml'), 'workspace_name: demo-ws\nprovider:\n  type: virtual\n');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it.each([
    [['stop', 'DIR/cluster.yaml'], 'Stop cluster demo?'],
    [['down', 'DIR/cluster.yaml', '--workers-only'], 'Stop the workers of cluster demo?'],
    [['kill-node', 'DIR/cluster.yaml'], 'Kill a worker of cluster demo?'],
    [['workspace', 'delete', 'DIR/ws.yaml'], 'Delete workspace demo-ws?'],
  ])('cloudtik %j fails with exit code 2 and says to pass -y', async (argv, question) => {
    const stdin = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    let err = '';
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      await main(['node', 'cloudtik', ...argv.map((a) => a.replace('DIR', dir))]);
      expect(process.exitCode).toBe(2);
      expect(err).toContain(`"${question}" needs an answer and there is no terminal to ask on`);
      expect(err).toContain('hint: pass -y (--yes) to go ahead without being asked');
    } finally {
      stderr.mockRestore();
      process.exitCode = 0;
      if (stdin) Object.defineProperty(process.stdin, 'isTTY', stdin);
      else delete (process.stdin as { isTTY?: boolean }).isTTY;
    }
  });
});
