import { describe, expect, it } from 'vitest';
import { naturalCompare } from './natural-order.js';

const sorted = (xs: string[]): string[] => [...xs].sort(naturalCompare);

describe('naturalCompare', () => {
  it('orders addresses by the numbers in them', () => {
    expect(sorted(['10.0.0.10', '10.0.0.9', '10.0.1.2', '10.0.0.100', '9.255.0.1'])).toEqual([
      '9.255.0.1',
      '10.0.0.9',
      '10.0.0.10',
      '10.0.0.100',
      '10.0.1.2',
    ]);
  });

  it('orders names with numbers, and text before and after them, as a person would', () => {
    expect(sorted(['node-10', 'node-2', 'node', 'head', 'node-2a', 'node-1'])).toEqual([
      'head',
      'node',
      'node-1',
      'node-2',
      'node-2a',
      'node-10',
    ]);
  });

  it("agrees with localeCompare's numeric order on such names", () => {
    const names = ['10.244.0.17', '10.244.0.3', 'w-12', 'w-3', '192.168.1.20', '192.168.1.3', 'a', 'b10', 'b9'];
    const icu = [...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    expect(sorted(names)).toEqual(icu);
  });

  it('is zero only for equal names', () => {
    expect(naturalCompare('10.0.0.1', '10.0.0.1')).toBe(0);
    expect(naturalCompare('', '')).toBe(0);
    expect(Math.sign(naturalCompare('', 'a'))).toBe(-1);
    expect(Math.sign(naturalCompare('a', ''))).toBe(1);
  });
});
