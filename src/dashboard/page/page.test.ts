import { describe, expect, it } from 'vitest';
import { routePath } from './api.js';
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
});
