import { describe, expect, it } from 'vitest';
import { ownDisks } from './node-provider.js';

describe('ownDisks', () => {
  const id = 'ws-c1-0a1b2c3d';
  it.each([
    [[`/srv/disks/${id}`], [`/srv/disks/${id}`]],
    [[`/srv/disks/${id}`, '/home/user', '/'], [`/srv/disks/${id}`]],
    [[`/srv/disks/../../etc/${id}`], []],
    [[`relative/${id}`], []],
    [undefined, []],
  ])('of %j removes only %j', (recorded, kept) => {
    expect(ownDisks(id, recorded)).toEqual(kept);
  });
});
