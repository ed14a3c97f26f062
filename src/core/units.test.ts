import { describe, expect, it } from 'vitest';
import { formatMemory, formatMemoryWhole, parseMemory } from './units.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('parseMemory', () => {
  it.each<[string | number, number]>([
    ['4G', 4 * GiB],
    ['1024M', 1024 * MiB],
    ['512Mi', 512 * MiB],
    ['1.5G', 1.5 * GiB],
    ['4GB', 4 * GiB],
    ['2 GiB', 2 * GiB],
    ['4g', 4 * GiB],
    ['100K', 100 * 1024],
    ['1T', 1024 ** 4],
    ['2048', 2048],
    ['512B', 512],
    [4294967296, 4 * GiB],
    [0, 0],
    [1000.7, 1000],
  ])('%s -> %d bytes', (input, bytes) => {
    expect(parseMemory(input)).toBe(bytes);
  });

  it.each<string | number>(['', 'abc', '4X', '-1G', 'G', '4 G B', '1.2.3G', -5, Number.NaN, Infinity])(
    'rejects %s with a clear error',
    (input) => {
      expect(() => parseMemory(input)).toThrow(/invalid memory size/);
    },
  );
});

describe('formatMemory', () => {
  it.each<[number, string]>([
    [4 * GiB, '4G'],
    [1.5 * GiB, '1.5G'],
    [512 * MiB, '512M'],
    [2048, '2K'],
    [100, '100B'],
    [1024 ** 4 * 2, '2T'],
  ])('%d -> %s', (bytes, text) => {
    expect(formatMemory(bytes)).toBe(text);
    expect(parseMemory(text)).toBe(bytes);
  });
});

describe('formatMemory with iec', () => {
  it.each<[number, string]>([
    [4 * GiB, '4GiB'],
    [1.25 * GiB, '1.25GiB'],
    [512 * MiB, '512MiB'],
    [100, '100B'],
  ])('%d -> %s', (bytes, text) => {
    expect(formatMemory(bytes, { iec: true })).toBe(text);
    expect(parseMemory(text)).toBe(bytes);
  });
});

describe('formatMemoryWhole', () => {
  it.each<[number, string]>([
    [2 * GiB, '2G'],
    [1792 * MiB, '1792M'],
    [1.5 * GiB, '1536M'],
    [1000 * 1024, '1000K'],
    [1025, '1025B'],
    [2 * 1024 ** 4, '2T'],
    [0, '0B'],
    [10.9, '10B'],
  ])('%d -> %s', (bytes, text) => {
    expect(formatMemoryWhole(bytes)).toBe(text);
    expect(parseMemory(text)).toBe(Math.floor(bytes));
  });
});
