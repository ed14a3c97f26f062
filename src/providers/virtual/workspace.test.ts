import { describe, expect, it } from 'vitest';
import { pickNodeAddress, upperHalf } from './workspace.js';

describe('upperHalf', () => {
  it.each([
    ['172.20.0.0/16', '172.20.128.0/17'],
    ['192.168.32.0/20', '192.168.40.0/21'],
    ['10.1.2.0/24', '10.1.2.128/25'],
  ])('%s gives %s', (subnet, half) => {
    expect(upperHalf(subnet)).toBe(half);
  });
});

describe('pickNodeAddress', () => {
  it('picks in the lower half, never the network, the gateway or a used address', () => {
    const used = new Set<string>();
    // .2 to .127: the lower half without the network's own address and the gateway.
    for (let i = 0; i < 126; i++) {
      const ip = pickNodeAddress('10.1.2.0/24', '10.1.2.1', used);
      expect(ip).toBeDefined();
      const last = Number(ip?.split('.')[3]);
      expect(last).toBeGreaterThanOrEqual(2);
      expect(last).toBeLessThan(128);
      expect(used.has(ip as string)).toBe(false);
      used.add(ip as string);
    }
    expect(pickNodeAddress('10.1.2.0/24', '10.1.2.1', used)).toBeUndefined();
  });

  it('starts from a random place, so two launches at once rarely collide', () => {
    expect(pickNodeAddress('172.20.0.0/16', '172.20.0.1', new Set(), () => 0)).toBe('172.20.0.2');
    expect(pickNodeAddress('172.20.0.0/16', '172.20.0.1', new Set(), () => 0.5)).toBe('172.20.64.1');
  });
});
