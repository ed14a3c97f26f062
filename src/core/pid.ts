/** Whether a process is still there, for pid files and lock owners on this machine. */

/**
 * Whether a process with this pid runs on this machine. One that belongs to another user counts
 * (signal 0 is refused with EPERM, but the process is there); anything else refused means gone.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
