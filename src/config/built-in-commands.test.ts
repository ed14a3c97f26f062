import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  builtInCommands,
  isPythonWheel,
  packageInstallCommand,
  packageInstallTarget,
  packageUrlOf,
} from './built-in-commands.js';

const PREFIX = 'sudo npm install -g --no-audit --no-fund --prefer-offline ';

/** Runs the command's arguments (after the npm prefix) through bash and returns the words bash sees. */
function wordsSeenByBash(command: string): string[] {
  expect(command.startsWith(PREFIX)).toBe(true);
  const args = command.slice(PREFIX.length);
  const out = execFileSync('bash', ['-c', `printf '%s\\0' ${args}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('builtInCommands', () => {
  it('installs cloudtik_package_url in setup', () => {
    const cmds = builtInCommands({ cloudtik_package_url: 'https://example.com/cloudtik-0.1.0.tgz' });
    expect(cmds.pre.setup_commands).toEqual([`${PREFIX}https://example.com/cloudtik-0.1.0.tgz`]);
  });

  it('starts the state store and the controller, then the agents; stops the controller first', () => {
    const cmds = builtInCommands({});
    expect(cmds.pre.setup_commands).toBeUndefined();
    expect(cmds.pre.head_start_commands).toEqual([
      'cloudtik node start --head --state',
      'cloudtik node start --head --controller --restart',
    ]);
    expect(cmds.node.head_start_commands).toEqual(['cloudtik node start --head --restart']);
    expect(cmds.node.worker_start_commands).toEqual(['cloudtik node start --restart']);
    expect(cmds.post.head_start_commands).toBeUndefined();
    expect(cmds.pre.head_stop_commands).toEqual(['cloudtik node stop --controller']);
    expect(cmds.node.stop_commands).toEqual(['cloudtik node stop']);
    expect(cmds.post.head_stop_commands).toEqual(['cloudtik node stop --state']);
  });

  it('uses the path of a file:// URL', () => {
    expect(packageInstallTarget('file:///cloudtik/data/share/cloudtik-0.1.0.tgz')).toBe(
      '/cloudtik/data/share/cloudtik-0.1.0.tgz',
    );
    expect(packageInstallTarget('file://localhost/a%20b.tgz')).toBe('/a b.tgz');
    expect(builtInCommands({ cloudtik_wheel_url: 'file:///share/c.tgz' }).pre.setup_commands).toEqual([
      `${PREFIX}/share/c.tgz`,
    ]);
  });

  it.each<[Record<string, string>, string | undefined]>([
    [{}, undefined],
    [{ cloudtik_wheel_url: 'file:///x/cloudtik-1.4.0-cp38-cp38-manylinux2014_x86_64.nightly.whl' }, undefined],
    [{ cloudtik_wheel_url: 'https://h/c.tgz' }, 'https://h/c.tgz'],
    [{ cloudtik_package_url: 'https://h/p.tgz', cloudtik_wheel_url: 'https://h/w.whl' }, 'https://h/p.tgz'],
  ])('packageUrlOf(%j) = %s', (config, expected) => {
    expect(packageUrlOf(config)).toBe(expected);
    expect(builtInCommands(config).pre.setup_commands?.length ?? 0).toBe(expected === undefined ? 0 : 1);
  });

  it('recognises wheels', () => {
    expect(isPythonWheel('file:///a/b.WHL')).toBe(true);
    expect(isPythonWheel('https://h/b.whl?x=1')).toBe(true);
    expect(isPythonWheel('https://h/b.tgz')).toBe(false);
  });
});

describe('hostile package URLs stay one quoted word', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudtik-quote-'));
  const marker = path.join(dir, 'pwned');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const hostile = [
    `https://evil.example/x.tgz'; touch ${marker}; echo '`,
    `https://evil.example/$(touch ${marker}).tgz`,
    `https://evil.example/\`touch ${marker}\`.tgz`,
    `https://evil.example/a"b'c\\d.tgz`,
    `https://evil.example/x.tgz\ntouch ${marker}`,
    `https://evil.example/x.tgz; touch ${marker} #`,
    `https://evil.example/*.tgz $HOME`,
  ];

  it.each(hostile)('%j', (url) => {
    const command = packageInstallCommand(url);
    expect(wordsSeenByBash(command)).toEqual([url]);
    expect(builtInCommands({ cloudtik_package_url: url }).pre.setup_commands).toEqual([command]);
    expect(existsSync(marker)).toBe(false);
  });

  it('a hostile file:// URL gives exactly its path as one word', () => {
    const url = `file:///tmp/a'b"$(touch ${marker})\`id\`\nx.tgz`;
    expect(wordsSeenByBash(packageInstallCommand(url))).toEqual([url.slice('file://'.length)]);
    expect(existsSync(marker)).toBe(false);
  });
});
