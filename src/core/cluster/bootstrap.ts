/**
 * What `start` hands over to the head: the prepared cluster config (with file mounts pointing at
 * their copies on the head), the image and launch hash of every worker type, and the cluster's
 * secrets. They live in the cluster's state folder, which the head mounts, so the controller
 * sees a new config as soon as `start` writes it.
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ClusterConfig } from '../../config/types.js';
import { HEAD_STATE_DIR, type StateFile } from '../../providers/provider.js';
import type { BatchCommand } from '../command/batch.js';
import { asRootCommand, writeFileLines } from '../command/shell.js';
import { CloudtikError } from '../errors.js';

export const BOOTSTRAP_FILE = 'cluster.json';
export const SECRETS_FILE = 'secrets.json';

export interface ControllerBootstrap {
  format: 1;
  writtenAt: number;
  config: ClusterConfig;
  /** Image each worker type runs. */
  images: Record<string, string>;
  /** `cloudtik-launch-config` hash of each worker type. */
  launchHashes: Record<string, string>;
  /** Contents hash of the file mounts as `start` synced them to the head. */
  fileMountsHash?: string;
  /** `cloudtik-runtime-config` hash of each worker type, as `start` planned it (so the two agree). */
  runtimeHashes?: Record<string, string>;
  /** Each worker type's setup and launch inputs, recorded on its workers (see inputParts). */
  inputs?: Record<string, string>;
  /** CPUs and memory of the engine's host (the head cannot ask the engine: see the Docker gate). */
  host?: { cpus: number; memoryBytes: number };
  /**
   * Workers that `start` launched with the head and sets up itself: the controller leaves them
   * alone while their setup is under way, for `ms` at most after it first reads this document
   * (clocks of the two machines need not agree), then sets up what is still not done.
   */
  setUpByStart?: { nodes: string[]; ms: number };
}

export interface ClusterSecrets {
  /** Password of the head's state store. */
  redisPassword: string;
}

/** The config as the head sees it: file mounts were synced to the head at their remote paths. */
export function headSideConfig(config: ClusterConfig): ClusterConfig {
  const fileMounts: Record<string, string> = {};
  for (const remote of Object.keys(config.file_mounts)) fileMounts[remote] = remote;
  return { ...config, file_mounts: fileMounts };
}

/** On the head: file-mount sources under `~` are in the node user's home (the controller runs as root). */
export function expandHome(config: ClusterConfig, home: string): ClusterConfig {
  const fileMounts: Record<string, string> = {};
  for (const [remote, local] of Object.entries(config.file_mounts)) {
    fileMounts[remote] = local === '~' ? home : local.startsWith('~/') ? path.posix.join(home, local.slice(2)) : local;
  }
  return { ...config, file_mounts: fileMounts };
}

async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(3).toString('hex')}.tmp`;
  await fsp.writeFile(tmp, text, { mode });
  await fsp.rename(tmp, file);
}

export async function writeBootstrap(
  stateDir: string,
  bootstrap: Omit<ControllerBootstrap, 'format' | 'writtenAt'>,
): Promise<void> {
  await fsp.mkdir(stateDir, { recursive: true });
  const doc: ControllerBootstrap = { format: 1, writtenAt: Date.now(), ...bootstrap };
  await writeAtomic(path.join(stateDir, BOOTSTRAP_FILE), JSON.stringify(doc, null, 1), 0o600);
}

/** The bootstrap document and a hash of its bytes (so a reader can tell when it changed). */
export async function readBootstrap(stateDir: string): Promise<{ bootstrap: ControllerBootstrap; hash: string }> {
  const file = path.join(stateDir, BOOTSTRAP_FILE);
  let raw: string;
  try {
    raw = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `the cluster's config is missing on the head (${file})`, {
      cause: err,
      hint: 'run cloudtik start <cluster.yaml> again',
    });
  }
  const bootstrap = JSON.parse(raw) as ControllerBootstrap;
  // The writer's timestamp does not count as a change.
  const hash = crypto
    .createHash('md5')
    .update(JSON.stringify({ ...bootstrap, writtenAt: 0 }))
    .digest('hex');
  return { bootstrap, hash };
}

/** The cluster's secrets, created on first use (readable by the owner only). */
export async function ensureSecrets(stateDir: string): Promise<ClusterSecrets> {
  const existing = await readSecrets(stateDir);
  if (existing) return existing;
  await fsp.mkdir(stateDir, { recursive: true });
  const secrets: ClusterSecrets = { redisPassword: crypto.randomBytes(24).toString('base64url') };
  const file = path.join(stateDir, SECRETS_FILE);
  try {
    await fsp.writeFile(file, JSON.stringify(secrets), { mode: 0o600, flag: 'wx' });
    return secrets;
  } catch (err) {
    // Another start created them first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const again = await readSecrets(stateDir);
      if (again) return again;
    }
    throw err;
  }
}

export async function readSecrets(stateDir: string): Promise<ClusterSecrets | undefined> {
  try {
    const parsed = JSON.parse(await fsp.readFile(path.join(stateDir, SECRETS_FILE), 'utf8')) as Partial<ClusterSecrets>;
    return typeof parsed.redisPassword === 'string' && parsed.redisPassword !== ''
      ? { redisPassword: parsed.redisPassword }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The command (run as the node user, first in the call of the head's start commands) that installs
 * the cluster's state files on a head that does not see its state folder, as root: in
 * {@link HEAD_STATE_DIR}, which the node user owns (its controller reads it; the user has sudo
 * anyway), 0700, the files 0600. Messages show its label, never its text (the secrets).
 */
export function installStateCommand(files: readonly StateFile[]): BatchCommand {
  const nonce = crypto.randomBytes(6).toString('hex');
  const dir = HEAD_STATE_DIR;
  const parent = path.posix.dirname(dir);
  const lines = [
    'set -e',
    `mkdir -p ${parent} && chmod 755 ${parent}`,
    'umask 077',
    `mkdir -p ${dir}`,
    ...files.map((f) => writeFileLines(path.posix.join(dir, f.name), f.content, nonce)),
    `chown -R "\${SUDO_USER:-root}": ${dir}`,
    `chmod 700 ${dir}`,
  ];
  return {
    group: 'cloudtik',
    command: asRootCommand(lines.join('\n'), nonce),
    label: `install the cluster's state in ${dir}`,
    rootScript: lines.join('\n'),
  };
}
