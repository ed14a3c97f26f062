import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pidAlive } from './pid.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('pidAlive', () => {
  it('is true for this process', () => {
    expect(pidAlive(process.pid)).toBe(true);
  });

  it('is false for a pid no process can have', () => {
    // Above the kernel's largest pid: signal 0 fails with ESRCH.
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    expect(pidAlive(pidMax + 1)).toBe(false);
  });

  it.each([
    ['EPERM', true],
    ['ESRCH', false],
  ])('answers %s from the kernel with %s', (code, alive) => {
    // Another user's process cannot be signalled by a test that may run as root: the kernel's answer is stood in.
    vi.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error(code), { code });
    });
    expect(pidAlive(4242)).toBe(alive);
  });
});
