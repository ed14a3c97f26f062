import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram, commandsNamed, main } from './main.js';

/** The program with `name`'s errors thrown instead of exiting, and what it writes to stderr. */
function programFor(name: string): { program: Command; stderr: () => string } {
  const program = buildProgram();
  let err = '';
  const sub = program.commands.find((c) => c.name() === name)!;
  sub.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => undefined });
  return { program, stderr: () => err };
}

describe('cli option values', () => {
  it('a refused option value is a usage error naming the option and why, with no stack trace', async () => {
    const { program, stderr } = programFor('scale');
    await expect(program.parseAsync(['scale', 'x.yaml', '--workers', 'abc'], { from: 'user' })).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
    expect(stderr()).toContain(`option '--workers <n>' argument 'abc' is invalid. expected a non-negative integer`);
    expect(stderr()).not.toMatch(/\n\s+at /);
  });

  it('attach refuses a port out of range the same way', async () => {
    const { program, stderr } = programFor('attach');
    await expect(
      program.parseAsync(['attach', 'x.yaml', '--port-forward', '8088,0'], { from: 'user' }),
    ).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    expect(stderr()).toContain("argument '8088,0' is invalid. 0 is not a port number");
  });
});

describe('cli exit codes', () => {
  it.each([
    ['a refused option value', ['scale', 'x.yaml', '--workers', 'abc']],
    ['an unknown option of a command', ['scale', 'x.yaml', '--bogus']],
    ['an unknown command', ['nosuch']],
  ])('%s exits 2, as other usage errors do', async (_what, argv) => {
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await main(['node', 'cloudtik', ...argv]);
      expect(process.exitCode).toBe(2);
    } finally {
      quiet.mockRestore();
      process.exitCode = undefined;
    }
  });
});

describe('the commands a call builds', () => {
  const names = (argv: string[]): string[] => {
    const { groups, commands } = commandsNamed(['node', 'cloudtik', ...argv]);
    return [...groups.map((g) => `${g.name}/`), ...commands.map((c) => c.name)];
  };

  it('builds only the group or top-level command the first word names (aliases too)', () => {
    expect(names(['node', 'start', '--head'])).toEqual(['node/']);
    expect(names(['start', 'c.yaml'])).toEqual(['start']);
    expect(names(['up', 'c.yaml'])).toEqual(['start']);
  });

  it('builds everything for help, the version and a word that names nothing (so a typo gets its suggestion)', () => {
    const all = names(['--help']);
    expect(all).toContain('node/');
    expect(all).toContain('start');
    expect(names(['-V'])).toEqual(all);
    expect(names(['strat'])).toEqual(all);
    expect(names([])).toEqual(all);
    expect(buildProgram().commands.length).toBe(all.length);
    expect(buildProgram(['node', 'cloudtik', 'node', 'start']).commands.map((c) => c.name())).toEqual(['node']);
  });
});
