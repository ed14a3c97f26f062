import { afterEach, describe, expect, it } from 'vitest';
import { RUNTIME_IMAGES } from '../runtimes/images.js';
import { RUNTIMES } from '../runtimes/registry.js';
import type { RuntimeDefinition } from '../runtimes/runtime.js';
import { IssueCollector } from './issues.js';
import type { PlainObject } from './merge.js';
import { prepareRuntimes } from './runtimes.js';

// Two made-up runtimes whose images nothing carries together, beside the real spark.
const runtimes = RUNTIMES as Record<string, RuntimeDefinition>;
const images = RUNTIME_IMAGES as Record<string, { carries: readonly string[] }>;
function addTestRuntime(name: string, image: string): void {
  runtimes[name] = { name, description: name, image, defaults: {}, options: {}, endpoints: [], services: [] };
}

afterEach(() => {
  delete runtimes['test-a'];
  delete runtimes['test-b'];
  delete images['test/a-runtime'];
});

function prepare(types: string[], docker: PlainObject = {}): IssueCollector {
  const config: PlainObject = {
    head_node_type: 'head.default',
    available_node_types: { 'head.default': { resources: { CPU: 2, memory: 4096 }, node_config: {} } },
    docker,
    runtime: { types },
  };
  const issues = new IssueCollector('cluster.yaml');
  prepareRuntimes(config, issues);
  return issues;
}

describe('runtimes that no one node image carries together', () => {
  it('are a config error at runtime.types naming both images and the way out', () => {
    addTestRuntime('test-a', 'test/a-runtime');
    addTestRuntime('test-b', 'test/b-runtime');
    const [issue, ...more] = prepare(['test-a', 'test-b']).issues;
    expect(more).toEqual([]);
    expect(issue).toMatchObject({
      severity: 'error',
      message: 'no node image carries both test-a (test/a-runtime) and test-b (test/b-runtime)',
    });
    expect(issue?.path).toBe('runtime.types');
    expect(issue?.hint).toMatch(/docker\.image/);
  });

  it('are fine when one image carries the other, or when the config names its image', () => {
    addTestRuntime('test-a', 'test/a-runtime');
    addTestRuntime('test-b', 'test/b-runtime');
    expect(prepare(['test-a', 'test-b'], { image: 'my/all-in-one' }).issues).toEqual([]);
    images['test/a-runtime'] = { carries: ['test/b-runtime'] };
    expect(prepare(['test-a', 'test-b']).issues).toEqual([]);
  });
});
