import { describe, expect, it } from 'vitest';
import { routePath } from './api.js';
import { formatBytes, formatDuration } from './dom.js';
import { splitArgs } from './jobs-panel.js';

describe("the page's pure helpers", () => {
  it("fills a route's parameters, each encoded, and names a missing one", () => {
    const ref = { provider: 'virtual', workspace: 'ws 1', cluster: 'a/b' };
    expect(routePath('jobLogs', { ...ref, jobId: 'job-3' })).toBe('/api/clusters/virtual/ws%201/a%2Fb/jobs/job-3/logs');
    expect(routePath('clusters')).toBe('/api/clusters');
    expect(() => routePath('killNode', ref)).toThrow('route killNode needs nodeId');
  });

  it.each([
    ['', []],
    ['one two', ['one', 'two']],
    ['  one   "two three" \'four  five\' ', ['one', 'two three', 'four  five']],
    ['--x=1 ""', ['--x=1', '']],
  ])('splits arguments %j as a shell would', (text, args) => {
    expect(splitArgs(text)).toEqual(args);
  });

  it.each([
    [400, '0 s'],
    [59_400, '59 s'],
    [61_000, '1 min'],
    [3_600_000, '1 h'],
    [3_900_000, '1 h 5 min'],
    [-5, '0 s'],
  ])('says %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [2 * 2 ** 30, '2 GiB'],
    [512 * 2 ** 20, '512 MiB'],
  ])('says %i bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
