import { describe, expect, it } from 'vitest';
import { batchCall, isNodeStart } from './batch-run.js';

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

  it("takes a batch as the updater's script gives it, and leaves anything else to the command line", () => {
    const head = [
      'node start --head --state',
      'node start --head --controller --restart',
      'node start --head --restart',
    ];
    expect(batchCall(['--nonce', 'ab12', '--first', '3', '--', ...head])).toEqual({
      run: { nonce: 'ab12', first: 3, keepGoing: false },
      calls: head.map((c) => c.split(' ')),
    });
    expect(batchCall(['--nonce', 'ab', '--first', '0', '--keep-going', '--', 'node stop'])).toEqual({
      run: { nonce: 'ab', first: 0, keepGoing: true },
      calls: [['node', 'stop']],
    });
    for (const args of [
      ['--help'],
      ['--nonce', 'xyz!', '--first', '0', '--', 'node start'],
      ['--nonce', 'ab', '--first', '-1', '--', 'node start'],
      ['--first', '0', '--nonce', 'ab', '--', 'node start'],
      ['--nonce', 'ab', '--first', '0', 'node start'],
      ['--nonce', 'ab', '--first', '0', '--'],
      ['--nonce', 'ab', '--first', '0', '--', 'node start; rm -rf /'],
    ]) {
      expect(batchCall(args)).toBeUndefined();
    }
  });
});
