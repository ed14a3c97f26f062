import { Command } from 'commander';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineCommand,
  opt,
  optionKey,
  type ArgumentValues,
  type OptionKey,
  type OptionValues,
} from './command-spec.js';
import { addCommand, buildProgram } from './main.js';

describe('option keys', () => {
  it.each([
    ['-n, --cluster-name <name>', 'clusterName'],
    ['--no-wait', 'wait'],
    ['-y, --yes', 'yes'],
    ['--wait-for-workers <n>', 'waitForWorkers'],
    ['-o, --output <format>', 'output'],
  ])('%s is %s', (flags, key) => {
    expect(optionKey(flags)).toBe(key);
  });

  it('are where commander puts every option of every command', () => {
    const mismatches: string[] = [];
    const walk = (command: Command): void => {
      for (const o of command.options) {
        if (!['--json', '--verbose'].includes(o.long ?? '') && optionKey(o.flags) !== o.attributeName())
          mismatches.push(`${command.name()} ${o.flags}`);
      }
      command.commands.forEach(walk);
    };
    walk(buildProgram());
    expect(mismatches).toEqual([]);
  });

  it('are typed as commander names them', () => {
    expectTypeOf<OptionKey<'-n, --cluster-name <name>'>>().toEqualTypeOf<'clusterName'>();
    expectTypeOf<OptionKey<'--no-wait'>>().toEqualTypeOf<'wait'>();
    expectTypeOf<OptionKey<'--keep-min-workers'>>().toEqualTypeOf<'keepMinWorkers'>();
  });
});

const OPTIONS = [
  opt.string('-n, --cluster-name <name>', 'a name'),
  opt.string('--separator <sep>', 'with a default', ','),
  opt.int('--workers <n>', 'a count'),
  opt.int('--timeout <seconds>', 'a count with a default', 600),
  opt.flag('-y, --yes', 'a switch'),
  opt.flag('--no-wait', 'a negated switch'),
  opt.flag('--parallel', 'a switch on by default', true),
  opt.flag('--no-parallel', 'its negation'),
  opt.list('--runtimes <list>', 'a list'),
  opt.parsed('--ports <ports>', 'parsed', (v) => v.split(',').map(Number)),
] as const;

const ARGUMENTS = [
  { name: '<file>', description: 'required' },
  { name: '[job]', description: 'optional' },
  { name: '[rest...]', description: 'variadic' },
] as const;

/** Run `argv` through commander as main.ts does, and return what the handler got. */
async function parse(argv: string[]): Promise<{ args: unknown; opts: unknown }> {
  let got: { args: unknown; opts: unknown } = { args: undefined, opts: undefined };
  const program = new Command().exitOverride();
  addCommand(
    program,
    defineCommand({
      name: 't',
      description: 'test',
      arguments: ARGUMENTS,
      options: OPTIONS,
      async run(args, opts) {
        expectTypeOf(args).toEqualTypeOf<[string, string | undefined, ...string[]]>();
        expectTypeOf(opts).toEqualTypeOf<{
          clusterName: string | undefined;
          separator: string;
          workers: number | undefined;
          timeout: number;
          yes: boolean | undefined;
          wait: boolean;
          parallel: boolean;
          runtimes: string[] | undefined;
          ports: number[] | undefined;
        }>();
        got = { args, opts };
        return Promise.resolve(0);
      },
    }),
  );
  await program.parseAsync(['t', ...argv], { from: 'user' });
  return got;
}

describe('typed options, parsed by commander', () => {
  it.each([
    [
      'defaults when nothing is given',
      ['f.yaml'],
      { separator: ',', timeout: 600, wait: true, parallel: true },
      ['clusterName', 'workers', 'yes', 'runtimes', 'ports'],
    ],
    [
      'each kind parsed to its type',
      [
        'f.yaml',
        '-n',
        'c1',
        '--workers',
        '3',
        '--timeout',
        '5',
        '-y',
        '--no-wait',
        '--no-parallel',
        '--runtimes',
        'hdfs, spark',
        '--ports',
        '80,443',
      ],
      {
        clusterName: 'c1',
        workers: 3,
        timeout: 5,
        yes: true,
        wait: false,
        parallel: false,
        runtimes: ['hdfs', 'spark'],
        ports: [80, 443],
      },
      [],
    ],
  ])('%s', async (_what, argv, expected, absent) => {
    const { opts } = await parse(argv);
    expect(opts).toMatchObject(expected);
    for (const key of absent) expect(opts).not.toHaveProperty(key);
  });

  it('arguments arrive in order, a variadic one spread at the end', async () => {
    expect((await parse(['f.yaml'])).args).toEqual(['f.yaml']);
    expect((await parse(['f.yaml', 'job.py', 'a', 'b'])).args).toEqual(['f.yaml', 'job.py', 'a', 'b']);
  });

  it('argument types follow the names: <required>, [optional], variadic', () => {
    expectTypeOf<ArgumentValues<readonly [{ name: '<a>'; description: '' }]>>().toEqualTypeOf<[string]>();
    expectTypeOf<
      ArgumentValues<readonly [{ name: '<a>'; description: '' }, { name: '<cmd...>'; description: '' }]>
    >().toEqualTypeOf<[string, ...string[]]>();
    expectTypeOf<OptionValues<readonly []>>().toEqualTypeOf<Record<never, never>>();
  });
});
