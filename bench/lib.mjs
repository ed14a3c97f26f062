// Shared by the benchmarks: the CLI as a user runs it, medians, and removing what a benchmark made.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'bin', 'cloudtik.js');
export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Run the built CLI; resolves with its time and output, rejects on a non-zero exit. */
export function cli(argv, env = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...argv], {
      env: { ...process.env, CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`cloudtik ${argv.join(' ')} exited ${code}\n${err}`));
      else resolve({ ms, out, err });
    });
  });
}

/** Remove the containers of a benchmark's workspace, then the workspace. */
export async function removeWorkspace(ws, wsFile) {
  const left = await docker.listContainers({ all: true, filters: { label: [`cloudtik-workspace-name=${ws}`] } });
  await Promise.all(
    left.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  await cli(['workspace', 'delete', wsFile, '-y', '--force']).catch(() => undefined);
}
