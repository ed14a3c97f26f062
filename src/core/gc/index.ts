/**
 * `cloudtik gc`: find what belongs to no live cluster (see findLeaks), and remove it. The look
 * reads the local state folder (`<home>/<provider>/<workspace>/<cluster>`, the lock folders in
 * it) and the engine's labelled containers and networks; removing touches only what it found.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '../../config/env.js';
import type { HeldHost, HeldHostSource, LabelledContainer, LeftoverSource } from '../../providers/provider.js';
import { loadProvider } from '../../providers/registry.js';
import { TAG } from '../../providers/provider.js';
import { errorMessage } from '../events.js';
import { pidAlive } from '../pid.js';
import { findLeaks, type ClusterDir, type Leak, type LockDir } from './leaks.js';

export type { Leak } from './leaks.js';

/** Providers whose nodes are containers this machine's engine lists. */
const CONTAINER_PROVIDERS = ['virtual'];
/** Providers whose hosts a pool service on this machine hands out. */
const POOL_PROVIDER = 'onpremise';

interface PoolLook {
  source?: HeldHostSource;
  pool?: { where: string; hosts: HeldHost[]; workspaces: string[] };
  skipped?: string;
}

/** The hosts the pool service running on this machine holds for clusters (none when no service runs). */
async function poolLook(): Promise<PoolLook> {
  const source = (await loadProvider(POOL_PROVIDER)).heldHosts;
  if (!source) return {};
  try {
    return { source, pool: await source.look() };
  } catch (err) {
    return { skipped: `the host-pool service did not answer: ${errorMessage(err)}` };
  }
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await fsp.readFile(file, 'utf8')) as unknown;
}

/** Every cluster state folder under the home: `<provider>/<workspace>/<cluster>` with a state or config file. */
async function clusterDirs(home: string): Promise<ClusterDir[]> {
  const out: ClusterDir[] = [];
  for (const provider of await subdirs(home)) {
    for (const workspace of await subdirs(path.join(home, provider))) {
      for (const cluster of await subdirs(path.join(home, provider, workspace))) {
        if (cluster.endsWith('.lock') || cluster.includes('.stale-')) continue;
        const dir = path.join(home, provider, workspace, cluster);
        const files = await fsp.readdir(dir).catch(() => [] as string[]);
        if (!files.includes('state.json') && !files.includes('cluster.json')) continue;
        const state = (await readJson(path.join(dir, 'state.json')).catch(() => ({}))) as {
          nodes?: Record<string, { disks?: string[]; tags?: Record<string, string> }>;
        };
        const nodes = Object.entries(state.nodes ?? {}).map(([id, n]) => ({
          id,
          disks: n.disks ?? [],
          setupAt: n.tags?.[TAG.setupAt],
        }));
        out.push({ provider, workspace, cluster, dir, nodes });
      }
    }
  }
  return out;
}

/** Lock folders (`*.lock` with an owner file) up to four levels under the home. */
async function lockDirs(root: string, depth = 4): Promise<LockDir[]> {
  const out: LockDir[] = [];
  for (const name of await subdirs(root)) {
    const p = path.join(root, name);
    if (name.endsWith('.lock')) {
      const owner = (await readJson(path.join(p, 'owner.json')).catch(() => undefined)) as
        { pid?: number; host?: string } | undefined;
      const alive = owner?.pid !== undefined && owner.host === os.hostname() ? pidAlive(owner.pid) : undefined;
      out.push({ path: p, pid: owner?.pid, alive });
    } else if (depth > 1) {
      out.push(...(await lockDirs(p, depth - 1)));
    }
  }
  return out;
}

interface EngineLook {
  source?: LeftoverSource;
  containers: LabelledContainer[];
  workspaces: string[];
  /** Why the engine was not looked at. */
  skipped?: string;
}

/** The engine's labelled containers and workspaces; without an engine, nothing of it is judged. */
async function engineLook(): Promise<EngineLook> {
  const source = (await loadProvider(CONTAINER_PROVIDERS[0] as string)).leftovers;
  if (!source) return { containers: [], workspaces: [] };
  try {
    const [containers, workspaces] = await Promise.all([source.containers(), source.workspaces()]);
    return { source, containers, workspaces };
  } catch (err) {
    return { containers: [], workspaces: [], skipped: `the Docker engine did not answer: ${errorMessage(err)}` };
  }
}

export interface GcResult {
  leaks: Leak[];
  /** What could not be looked at (its leaks are not listed). */
  skipped: string[];
  removed: Leak[];
  failed: { leak: Leak; error: string }[];
}

/** Find the leaks (of one workspace, when given) and, with `remove`, remove them. */
export async function collectGarbage(options: { workspace?: string; remove: boolean }): Promise<GcResult> {
  const home = env.home();
  const [dirs, locks, engine, pool] = await Promise.all([clusterDirs(home), lockDirs(home), engineLook(), poolLook()]);
  const leaks = findLeaks({
    home,
    containers: engine.containers,
    workspaces: engine.workspaces,
    listed: engine.source ? CONTAINER_PROVIDERS : [],
    clusterDirs: dirs,
    locks,
    pool: pool.pool,
    workspace: options.workspace,
  });
  const skipped = [engine.skipped, pool.skipped].filter((s): s is string => s !== undefined);
  const result: GcResult = { leaks, skipped, removed: [], failed: [] };
  if (!options.remove) return result;
  // Containers first (they hold the folders), locks last (a command that starts meanwhile waits on them).
  const hosts = leaks.filter((l) => l.kind === 'pool-host');
  if (hosts.length > 0) {
    await pool.source
      ?.release(hosts.map((l) => l.host as HeldHost))
      .then(() => result.removed.push(...hosts))
      .catch((err: unknown) => result.failed.push(...hosts.map((leak) => ({ leak, error: errorMessage(err) }))));
  }
  const order: Leak['kind'][] = ['container', 'data-disk', 'state-folder', 'lock'];
  for (const kind of order) {
    for (const leak of leaks.filter((l) => l.kind === kind)) {
      try {
        if (kind === 'container') await engine.source?.removeContainer(leak.id as string);
        else await fsp.rm(leak.name, { recursive: true, force: true });
        result.removed.push(leak);
      } catch (err) {
        result.failed.push({ leak, error: errorMessage(err) });
      }
    }
  }
  return result;
}
