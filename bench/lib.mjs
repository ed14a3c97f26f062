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

/** The median of `xs` (ms, rounded) and the samples. */
export const summary = (xs) => ({ medianMs: Math.round(median(xs)), samples: xs.map(Math.round) });

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

/** A JSON document from a head's web UI, or undefined while it does not answer. */
export async function getJson(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Live DataNodes and active NodeManagers as the NameNode and the ResourceManager count them, from
 * their JMX servlets (cheap to serve; `hdfs dfsadmin` or `yarn node` would start a JVM on the head).
 */
export async function registered(ip, workers = 3) {
  // The ResourceManager first: it answers in a fraction of the NameNode's time, and NodeManagers
  // usually register last, so the NameNode is asked a few times only. Its REST metrics are live;
  // its ClusterMetrics JMX bean is refreshed at most every 10 s.
  const rm = (await getJson(`http://${ip}:8088/ws/v1/cluster/metrics`))?.clusterMetrics ?? {};
  const nm = rm.activeNodes ?? 0;
  if (nm < workers) return { dn: undefined, nm };
  const nn =
    (await getJson(`http://${ip}:9870/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState`))?.beans?.[0] ?? {};
  return { dn: nn.NumLiveDataNodes ?? 0, nm };
}
