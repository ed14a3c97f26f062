import { describe, expect, it } from 'vitest';
import { deepCopy, mergeAll, mergeConfig, type PlainObject } from './merge.js';

describe('mergeConfig', () => {
  const cases: Array<{ name: string; base: PlainObject; update: PlainObject; expected: PlainObject }> = [
    {
      name: 'merges dicts recursively',
      base: { a: { b: 1, c: { d: 2 } }, keep: true },
      update: { a: { c: { e: 3 } } },
      expected: { a: { b: 1, c: { d: 2, e: 3 } }, keep: true },
    },
    {
      name: 'replaces scalars',
      base: { a: 1, b: 'x' },
      update: { a: 2, b: null },
      expected: { a: 2, b: null },
    },
    {
      name: 'replaces lists',
      base: { list: [1, 2, 3] },
      update: { list: [4] },
      expected: { list: [4] },
    },
    {
      name: 'a dict replaces a scalar',
      base: { a: 'text' },
      update: { a: { b: 1 } },
      expected: { a: { b: 1 } },
    },
    {
      name: 'merges single named list items with the same name',
      base: { disks: [{ name: 'data', size: 10, type: 'ssd' }] },
      update: { disks: [{ name: 'data', size: 20 }] },
      expected: { disks: [{ name: 'data', size: 20, type: 'ssd' }] },
    },
    {
      name: 'replaces single named items with different names',
      base: { disks: [{ name: 'a', size: 10 }] },
      update: { disks: [{ name: 'b' }] },
      expected: { disks: [{ name: 'b' }] },
    },
    {
      name: 'replaces unnamed single-item lists',
      base: { disks: [{ size: 10, type: 'ssd' }] },
      update: { disks: [{ size: 20 }] },
      expected: { disks: [{ size: 20 }] },
    },
    {
      name: 'replaces named lists with more than one item',
      base: { disks: [{ name: 'a', size: 1 }] },
      update: { disks: [{ name: 'a' }, { name: 'b' }] },
      expected: { disks: [{ name: 'a' }, { name: 'b' }] },
    },
    {
      name: '++key prepends to the list',
      base: { setup_commands: ['b', 'c'] },
      update: { '++setup_commands': ['a'] },
      expected: { setup_commands: ['a', 'b', 'c'] },
    },
    {
      name: 'key++ appends to the list',
      base: { setup_commands: ['a'] },
      update: { 'setup_commands++': ['b', 'c'] },
      expected: { setup_commands: ['a', 'b', 'c'] },
    },
    {
      name: 'appending to a missing list creates it',
      base: {},
      update: { 'setup_commands++': ['x'] },
      expected: { setup_commands: ['x'] },
    },
    {
      name: 'append applies after the plain key of the same level',
      base: { l: ['old'] },
      update: { 'l++': ['tail'], l: ['new'], '++l': ['head'] },
      expected: { l: ['head', 'new', 'tail'] },
    },
    {
      name: 'append works in nested dicts',
      base: { docker: { run_options: ['--a'] } },
      update: { docker: { 'run_options++': ['--b'] } },
      expected: { docker: { run_options: ['--a', '--b'] } },
    },
    {
      name: 'a ++ key with a non-list value is a plain key',
      base: {},
      update: { 'x++': 'text' },
      expected: { 'x++': 'text' },
    },
    {
      name: 'user node types are added to the default ones',
      base: { available_node_types: { 'head.default': { node_config: {} }, 'worker.default': { node_config: {} } } },
      update: { available_node_types: { 'worker.large': { node_config: { x: 1 } } } },
      expected: {
        available_node_types: {
          'head.default': { node_config: {} },
          'worker.default': { node_config: {} },
          'worker.large': { node_config: { x: 1 } },
        },
      },
    },
  ];

  it.each(cases)('$name', ({ base, update, expected }) => {
    expect(mergeConfig(base, update)).toEqual(expected);
  });

  it('never mutates its inputs and shares no objects with them', () => {
    const base = { a: { list: [1, { x: 1 }] }, named: [{ name: 'n', v: 1 }], l: [1] };
    const update = { a: { b: { c: 1 } }, named: [{ name: 'n', w: 2 }], '++l': [0] };
    const baseCopy = structuredClone(base);
    const updateCopy = structuredClone(update);
    const out = mergeConfig(base, update);
    expect(base).toEqual(baseCopy);
    expect(update).toEqual(updateCopy);
    (out.a as { list: unknown[] }).list.push(2);
    (out.a as { b: { c: number } }).b.c = 9;
    expect(base).toEqual(baseCopy);
    expect(update).toEqual(updateCopy);
  });

  it('mergeAll folds layers in order', () => {
    expect(mergeAll([{ a: 1, l: [1] }, { b: 2 }, { a: 3, 'l++': [2] }])).toEqual({ a: 3, b: 2, l: [1, 2] });
  });

  it('deepCopy copies nested data', () => {
    const value = { a: [{ b: 1 }] };
    const copy = deepCopy(value);
    expect(copy).toEqual(value);
    expect(copy.a[0]).not.toBe(value.a[0]);
  });
});
