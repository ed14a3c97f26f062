import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { TEST_PREFIX, sweepWorkspaces } from './helpers.js';

const STALE_MS = 30 * 60_000;

/** Remove containers and networks of test workspaces: this session's, or any older than 30 minutes. */
function sweep(docker: Docker, session: string | undefined): Promise<number> {
  const now = Date.now();
  return sweepWorkspaces(docker, (ws, created) =>
    session === undefined
      ? ws.startsWith(TEST_PREFIX) && now - created > STALE_MS
      : ws.startsWith(`${TEST_PREFIX}${session}-`),
  );
}

/**
 * Integration tests need a Docker engine; without one they fail loudly, never skip. Every test
 * workspace is named `ctest-<session>-...`; teardown removes this session's, setup removes
 * leftovers of runs that were killed more than 30 minutes ago.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(
      `integration tests need a Docker engine at /var/run/docker.sock (run: bash dev/setup-all.sh): ${String(err)}`,
      { cause: err },
    );
  }
  const session = crypto.randomBytes(3).toString('hex');
  process.env.CLOUDTIK_TEST_SESSION = session;
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), `cloudtik-test-home-${session}-`));
  process.env.CLOUDTIK_HOME = home;
  await sweep(docker, undefined);
  return async () => {
    await sweep(docker, session);
    await fsp.rm(home, { recursive: true, force: true });
  };
}
