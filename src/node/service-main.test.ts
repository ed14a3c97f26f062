import { describe, expect, it } from 'vitest';
import { isNodeStart } from './service-main.js';

describe('the node-side entry', () => {
  it.each([
    [['node', 'start'], true],
    [['node', 'start', '--head', '--state'], true],
    [['node', 'start', '--head', '--controller', '--restart'], true],
    [['node', 'start', '--json'], false],
    [['node', 'start', '--help'], false],
    [['node', 'stop'], false],
    [['runtime', 'start'], false],
  ])('runs %j itself: %s', (argv, want) => {
    expect(isNodeStart(argv)).toBe(want);
  });
});
