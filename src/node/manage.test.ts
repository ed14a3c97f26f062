import { describe, expect, it } from 'vitest';
import { heldByStart, waitsForCall } from './manage.js';

describe('waitsForCall', () => {
  const byStart = { setUpByStart: { nodes: ['w-2', 'w-3'], ms: 300_000 } };
  it.each([
    ['the agent', 'agent', undefined, true],
    ['the job runner', 'jobs', undefined, true],
    ['the state store', 'state', byStart, false],
    ['the controller while start sets up the first workers itself', 'controller', byStart, true],
    ['the controller when start sets up none', 'controller', { setUpByStart: { nodes: [], ms: 300_000 } }, false],
    ['the controller of a config without the field', 'controller', {}, false],
    ['the controller when the config cannot be read', 'controller', undefined, false],
  ])('%s', (_what, name, bootstrap, want) => {
    expect(waitsForCall(name, bootstrap)).toBe(want);
  });
});

describe('heldByStart', () => {
  it.each([
    ['the agent', 'agent', true, true],
    ['the job runner', 'jobs', true, true],
    ['the controller', 'controller', true, true],
    ['the state store, which the workers join through', 'state', true, false],
    ['any service of a call that is no new cluster start', 'agent', false, false],
  ])('%s', (_what, name, startHolds, want) => {
    expect(heldByStart(name, startHolds)).toBe(want);
  });
});
