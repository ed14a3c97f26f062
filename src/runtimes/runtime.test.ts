import { describe, expect, it } from 'vitest';
import { RUNTIMES } from './registry.js';
import { orderRuntimes, RuntimeOrderError, type RuntimeDefinition } from './runtime.js';

const def = (name: string, more: Partial<RuntimeDefinition> = {}): RuntimeDefinition => ({
  name,
  description: name,
  defaults: {},
  options: {},
  image: 'x',
  endpoints: [],
  services: [],
  ...more,
});

describe('orderRuntimes', () => {
  it.each([
    {
      name: "CloudTik's default",
      types: ['prometheus', 'hdfs', 'spark'],
      want: ['prometheus', 'hdfs', 'yarn', 'spark'],
    },
    { name: 'spark alone brings yarn, without hdfs', types: ['spark'], want: ['yarn', 'spark'] },
    { name: 'dependencies first, whatever the user order', types: ['spark', 'hdfs'], want: ['hdfs', 'yarn', 'spark'] },
    { name: 'none', types: [], want: [] },
    { name: 'duplicates once', types: ['hdfs', 'hdfs'], want: ['hdfs'] },
  ])('$name', ({ types, want }) => {
    expect(orderRuntimes(types, RUNTIMES)).toEqual(want);
  });

  it('adds required runtimes transitively and orders by dependencies', () => {
    const reg = {
      a: def('a', { required: ['b'], dependencies: ['b', 'c'] }),
      b: def('b', { required: ['c'], dependencies: ['c'] }),
      c: def('c'),
    };
    expect(orderRuntimes(['a'], reg)).toEqual(['c', 'b', 'a']);
  });

  it('refuses unknown runtimes and cycles', () => {
    expect(() => orderRuntimes(['nope'], RUNTIMES)).toThrow(RuntimeOrderError);
    const reg = { a: def('a', { dependencies: ['b'] }), b: def('b', { dependencies: ['a'] }) };
    expect(() => orderRuntimes(['a', 'b'], reg)).toThrow(/cycle/);
  });
});
