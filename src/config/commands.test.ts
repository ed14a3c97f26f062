import { describe, expect, it } from 'vitest';
import type { BuiltInCommands } from './built-in-commands.js';
import { MERGED_COMMAND_KEYS, mergeCommands, needsOwnCommands } from './commands.js';

describe('mergeCommands', () => {
  it('combines each phase for head and worker', () => {
    const merged = mergeCommands(
      {
        initialization_commands: ['i'],
        head_initialization_commands: ['hi'],
        worker_initialization_commands: ['wi'],
        setup_commands: ['s'],
        head_setup_commands: ['hs'],
        worker_setup_commands: ['ws'],
        bootstrap_commands: ['b'],
        start_commands: ['st'],
        head_start_commands: ['hst'],
        worker_start_commands: ['wst'],
        stop_commands: ['sp'],
        head_stop_commands: ['hsp'],
        worker_stop_commands: ['wsp'],
      },
      { builtIns: { pre: {}, node: {}, post: {} } },
    );
    const user = (commands: string[]) => [{ group_name: 'user', commands }];
    expect(merged).toEqual({
      head_initialization_commands: user(['i', 'hi']),
      worker_initialization_commands: user(['i', 'wi']),
      head_setup_commands: user(['s', 'hs', 'b']),
      worker_setup_commands: user(['s', 'ws', 'b']),
      head_start_commands: user(['st', 'hst']),
      worker_start_commands: user(['st', 'wst']),
      head_stop_commands: user(['sp', 'hsp']),
      worker_stop_commands: user(['sp', 'wsp']),
    });
  });

  it('orders groups: cloudtik pre, system runtimes, cloudtik node, runtimes, cloudtik post, user', () => {
    const builtIns: BuiltInCommands = {
      pre: { setup_commands: ['install'] },
      node: { head_start_commands: ['agent'], worker_start_commands: ['agent'] },
      post: { head_start_commands: ['controller'] },
    };
    const merged = mergeCommands(
      { start_commands: ['mine'] },
      {
        builtIns,
        runtimes: [
          { name: 'spark', commands: { start_commands: ['spark start'] } },
          { name: 'consul', system: true, commands: { head_start_commands: ['consul start'] } },
        ],
      },
    );
    expect(merged.head_start_commands).toEqual([
      { group_name: 'consul', commands: ['consul start'] },
      { group_name: 'cloudtik', commands: ['agent'] },
      { group_name: 'spark', commands: ['spark start'] },
      { group_name: 'cloudtik', commands: ['controller'] },
      { group_name: 'user', commands: ['mine'] },
    ]);
    expect(merged.worker_start_commands).toEqual([
      { group_name: 'cloudtik', commands: ['agent'] },
      { group_name: 'spark', commands: ['spark start'] },
      { group_name: 'user', commands: ['mine'] },
    ]);
    expect(merged.head_setup_commands).toEqual([{ group_name: 'cloudtik', commands: ['install'] }]);
  });

  it('joins neighbouring cloudtik groups and leaves empty groups out', () => {
    const merged = mergeCommands(
      {},
      { builtIns: { pre: { head_start_commands: ['a'] }, node: { head_start_commands: ['b'] }, post: {} } },
    );
    expect(merged.head_start_commands).toEqual([{ group_name: 'cloudtik', commands: ['a', 'b'] }]);
    for (const key of MERGED_COMMAND_KEYS.filter((k) => k !== 'head_start_commands')) expect(merged[key]).toEqual([]);
  });

  it('returns fresh lists that do not alias the config', () => {
    const config = { setup_commands: ['x'] };
    const merged = mergeCommands(config);
    merged.head_setup_commands[0]?.commands.push('y');
    expect(config.setup_commands).toEqual(['x']);
    expect(merged.worker_setup_commands[0]?.commands).toEqual(['x']);
  });
});

describe('needsOwnCommands', () => {
  it.each<[Record<string, unknown>, boolean]>([
    [{ node_config: {} }, false],
    [{ node_config: {}, min_workers: 1 }, false],
    [{ worker_setup_commands: [] }, true],
    [{ bootstrap_commands: ['x'] }, true],
    [{ runtime: {} }, true],
  ])('%j -> %s', (nodeType, expected) => {
    expect(needsOwnCommands(nodeType)).toBe(expected);
  });
});
