import { describe, expect, it } from 'vitest';
import { parseBundles, scaleOrigin, withGpus } from './scale.js';

describe('scaleOrigin', () => {
  it.each([
    [{}, 'scale'],
    [{ workers: 3 }, 'scale --workers 3'],
    [{ cpus: 8, workerType: 'worker.big' }, 'scale --cpus 8 --worker-type worker.big'],
    [{ workers: 0, resources: { GPU: 1 } }, 'scale --workers 0 --resources {"GPU":1}'],
    [{ gpus: 2, bundles: [{ CPU: 4 }] }, 'scale --gpus 2 --bundles [{"CPU":4}]'],
  ])('%j reads %s', (asked, origin) => {
    expect(scaleOrigin(asked)).toBe(origin);
  });
});

describe('scale --gpus', () => {
  it.each([
    [undefined, undefined, undefined],
    [{ CPU: 4 }, undefined, { CPU: 4 }],
    [undefined, 2, { GPU: 2 }],
    [{ CPU: 4, GPU: 2 }, 2, { CPU: 4, GPU: 2 }],
  ])('resources %j with --gpus %s ask for %j', (resources, gpus, asked) => {
    expect(withGpus(resources, gpus)).toEqual(asked);
  });

  it('refuses --gpus that disagrees with --resources GPU', () => {
    expect(() => withGpus({ GPU: 1 }, 2)).toThrow('--gpus 2 and --resources GPU:1 disagree');
  });
});

describe('scale --bundles', () => {
  it('reads a JSON list of bundles, or one bundle', () => {
    expect(parseBundles('[{"CPU":4},{"GPU":1,"memory":1024}]')).toEqual([{ CPU: 4 }, { GPU: 1, memory: 1024 }]);
    expect(parseBundles('{"CPU":2}')).toEqual([{ CPU: 2 }]);
  });

  it.each([
    ['CPU:4', /expected a JSON list of bundles/],
    ['[{}]', /each bundle is an object of resources/],
    ['[4]', /each bundle is an object of resources/],
    ['[{"CPU":-1}]', /CPU: expected a non-negative amount/],
    ['[{"CPU":"4"}]', /CPU: expected a non-negative amount/],
  ])('refuses %s', (value, message) => {
    expect(() => parseBundles(value)).toThrow(message);
  });
});
