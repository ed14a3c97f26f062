import { describe, expect, it } from 'vitest';
import { scaleOrigin } from './scale.js';

describe('scaleOrigin', () => {
  it.each([
    [{}, 'scale'],
    [{ workers: 3 }, 'scale --workers 3'],
    [{ cpus: 8, workerType: 'worker.big' }, 'scale --cpus 8 --worker-type worker.big'],
    [{ workers: 0, resources: { GPU: 1 } }, 'scale --workers 0 --resources {"GPU":1}'],
  ])('%j reads %s', (asked, origin) => {
    expect(scaleOrigin(asked)).toBe(origin);
  });
});
