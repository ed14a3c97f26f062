import { describe, expect, it } from 'vitest';
import { batchCall, checkedBatch } from './batch-run.js';

describe("a batch's call", () => {
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

  it('refuses a bad part with a usage error that says which', () => {
    const batch = { nonce: 'ab', first: '0', keepGoing: false, commands: ['node start'] };
    expect(checkedBatch(batch).calls).toEqual([['node', 'start']]);
    expect(() => checkedBatch({ ...batch, first: '1.5' })).toThrow(
      'node batch needs --nonce <hex> and --first <index>',
    );
    expect(() => checkedBatch({ ...batch, nonce: '' })).toThrow('node batch needs --nonce <hex> and --first <index>');
    expect(() => checkedBatch({ ...batch, commands: ['node start | sh'] })).toThrow(
      'not a plain cloudtik command: node start | sh',
    );
  });
});
