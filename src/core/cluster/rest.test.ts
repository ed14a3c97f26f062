import { describe, expect, it } from 'vitest';
import { restPath } from './rest.js';

describe('restPath', () => {
  it.each([
    ['/api/v1', undefined, '/applications', '/api/v1/applications'],
    ['/api/v1', 'applications/app-1/jobs', '/applications', '/api/v1/applications/app-1/jobs'],
    ['/ws/v1', '/cluster/nodes', '/cluster/metrics', '/ws/v1/cluster/nodes'],
    ['/ws/v1', undefined, '/cluster/metrics', '/ws/v1/cluster/metrics'],
  ])('%s + %s', (base, endpoint, fallback, want) => {
    expect(restPath(base, endpoint, fallback)).toBe(want);
  });
});
