import { describe, expect, it } from 'vitest';
import { sha1Hex, stableStringify } from './hash.js';

describe('stableStringify', () => {
  it('ignores key order at every level', () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: 'v' } };
    const b = { a: { x: 'v', y: [1, { p: 2, q: 1 }] }, b: 1 };
    expect(stableStringify(a)).toBe(stableStringify(b));
    expect(stableStringify(a)).toBe('{"a":{"x":"v","y":[1,{"p":2,"q":1}]},"b":1}');
  });

  it('keeps list order', () => {
    expect(stableStringify([1, 2])).not.toBe(stableStringify([2, 1]));
  });

  it.each<[unknown, string]>([
    [null, 'null'],
    ['a"b', '"a\\"b"'],
    [true, 'true'],
    [1.5, '1.5'],
    [{ u: undefined, n: null }, '{"n":null}'],
    [[undefined], '[null]'],
    [{}, '{}'],
    [[], '[]'],
  ])('%j -> %s', (value, text) => {
    expect(stableStringify(value)).toBe(text);
  });

  it('rejects cycles and functions', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stableStringify(cyclic)).toThrow(/cyclic/);
    expect(() => stableStringify({ f: () => 1 })).toThrow(/function/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(stableStringify({ x: shared, y: shared })).toBe('{"x":{"a":1},"y":{"a":1}}');
  });
});

describe('sha1Hex', () => {
  it('hashes UTF-8 text to lower-case hex', () => {
    expect(sha1Hex('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(sha1Hex(stableStringify({ b: 1, a: 2 }))).toBe(sha1Hex(stableStringify({ a: 2, b: 1 })));
  });
});
