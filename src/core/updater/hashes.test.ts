import { describe, expect, it } from 'vitest';
import { changedInputs, decodeInputParts, encodeInputParts, LAUNCH_INPUTS, SETUP_INPUTS } from './hashes.js';

describe('setup input parts', () => {
  it('round-trip through the tag value', () => {
    const parts = { 'setup commands': 'a1', 'file mount contents': 'b2', image: 'c3' };
    expect(encodeInputParts(parts)).toBe('setup commands=a1;file mount contents=b2;image=c3');
    expect(decodeInputParts(encodeInputParts(parts))).toEqual(parts);
  });

  it.each([undefined, ''])('a node without the tag (%j) has no record', (tag) => {
    expect(decodeInputParts(tag)).toBeUndefined();
  });

  const now = {
    'setup commands': 's2',
    'runtime config': 'r1',
    package: 'p1',
    'node config': 'n2',
    auth: 'a1',
    image: 'i1',
  };
  it.each([
    { name: 'no record: unknown', before: undefined, names: SETUP_INPUTS, want: undefined },
    {
      name: 'the setup commands',
      before: { ...now, 'setup commands': 's1' },
      names: SETUP_INPUTS,
      want: ['setup commands'],
    },
    {
      name: 'two setup inputs, in the listed order',
      before: { ...now, package: 'p0', 'runtime config': 'r0' },
      names: SETUP_INPUTS,
      want: ['runtime config', 'package'],
    },
    {
      name: 'a launch input among launch inputs only',
      before: { ...now, 'node config': 'n1', 'setup commands': 's1' },
      names: LAUNCH_INPUTS,
      want: ['node config'],
    },
    { name: 'nothing', before: now, names: LAUNCH_INPUTS, want: [] },
  ])('$name', ({ before, names, want }) => {
    expect(changedInputs(before, now, names)).toEqual(want);
  });
});
