import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { TEST_PREFIX, sweepWorkspaces } from './helpers.js';

const STALE_MS = 30 * 60_000;

/** Remove containers and networks of test workspaces: this run's, or any older than 30 minutes. */
function sweep(docker: Docker, run: string | undefined): Promise<number> {
  const now = Date.now();
  return sweepWorkspaces(docker, (ws, created) =>
    run === undefined ? ws.startsWith(TEST_PREFIX) && now - created > STALE_MS : ws.startsWith(`${TEST_PREFIX}${run}-`),
  );
}

/**
 * Integration tests need a Docker engine; without one they fail loudly, never skip. Every test
 * workspace is named `ctest-<run>-...`; teardown removes this run's, setup removes
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
  const run = crypto.randomBytes(3).toString('hex');
  process.env.CLOUDTIK_TEST_RUN = run;
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), `cloudtik-test-home-${run}-`));
  process.env.CLOUDTIK_HOME = home;
  await sweep(docker, undefined);
  return async () => {
    await sweep(docker, run);
    await fsp.rm(home, { recursive: true, force: true });
  };
}
