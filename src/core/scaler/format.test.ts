import { describe, expect, it } from 'vitest';
import { formatBundle, formatBundles, formatDuration } from './format.js';

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [999, '0s'],
    [45_000, '45s'],
    [59_999, '59s'],
    [60_000, '1m'],
    [312_000, '5m12s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
    [2 * 3_600_000 + 3 * 60_000 + 59_000, '2h03m'],
    [26 * 3_600_000, '1d02h'],
    [3 * 86_400_000, '3d'],
    [-5_000, '0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatBundles', () => {
  it.each<[Record<string, number>[], string]>([
    [[], 'nothing'],
    [[{ GPU: 1, CPU: 4 }], '{CPU: 4, GPU: 1}'],
    [[{ CPU: 2 }, { CPU: 2 }, { GPU: 1 }], '{CPU: 2} × 2, {GPU: 1}'],
    [[{ memory: 4 * 2 ** 30, CPU: 0.5 }], '{CPU: 0.5, memory: 4GiB}'],
  ])('%j → %s', (bundles, text) => {
    expect(formatBundles(bundles)).toBe(text);
  });

  it('formats one bundle', () => {
    expect(formatBundle({ 'worker.default': 1 })).toBe('{worker.default: 1}');
  });
});
