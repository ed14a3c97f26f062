import { describe, expect, it } from 'vitest';
import { nonCamelKeys, workspaceJson } from './json.js';

describe('workspaceJson', () => {
  it('names the workspace and each of its clusters the way every other result does', () => {
    expect(
      workspaceJson({
        name: 'w',
        network: 'cloudtik-w',
        subnet: '10.1.0.0/24',
        clusters: [{ name: 'demo', head: 1, workers: 2, running: 3 }],
      }),
    ).toEqual({
      workspace: 'w',
      network: 'cloudtik-w',
      subnet: '10.1.0.0/24',
      clusters: [{ cluster: 'demo', head: 1, workers: 2, running: 3 }],
    });
    expect(workspaceJson({ name: 'w', network: 'n' })).toEqual({ workspace: 'w', network: 'n' });
  });
});

describe('nonCamelKeys', () => {
  it('finds field names that are not camelCase, at any depth, by path', () => {
    expect(nonCamelKeys({ cluster: 'c', head_ip: '1', nodes: [{ ok: 1 }, { Bad: 2 }], x: { min_workers: 1 } })).toEqual(
      ['head_ip', 'nodes[1].Bad', 'x.min_workers'],
    );
  });

  it('skips the keys of maps keyed by data (node types, resources, tags), not what they hold', () => {
    expect(
      nonCamelKeys({
        nodeTypes: { 'head.default': { minWorkers: 0, resources: { CPU: 2 } }, 'worker.x': { max_workers: 1 } },
        tags: { 'cloudtik-x': '1' },
        requests: [{ bundles: [{ CPU: 1 }], time: 0 }],
      }),
    ).toEqual(['nodeTypes["worker.x"].max_workers']);
  });
});
