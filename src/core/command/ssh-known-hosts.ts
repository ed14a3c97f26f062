/**
 * Host keys: trusted on first use into one known_hosts file per workspace, then pinned. OpenSSH
 * itself records and checks the keys (`StrictHostKeyChecking=accept-new` on our own file); this
 * module says where the file is, which options pin it, and reads it to explain a refused key.
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { quote } from './shell.js';

/** The known_hosts file of a workspace, in the workspace's state folder. */
export function knownHostsPath(workspaceStateDir: string): string {
  return path.join(workspaceStateDir, 'known_hosts');
}

/** How a host appears in known_hosts: `host` on port 22, `[host]:port` elsewhere. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * ssh options that pin host keys in `file`: a new host's key is written there on first use, a
 * known host must present the same key, a changed key fails the connection.
 */
export function hostKeyOptions(file: string): string[] {
  return [
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `UserKnownHostsFile=${file}`,
    // Plain entries, so a user can read which hosts the workspace trusts.
    '-o',
    'HashKnownHosts=no',
    '-o',
    'CheckHostIP=no',
  ];
}

/** Make the folder of the known_hosts file (private) so OpenSSH can write it. */
export async function prepareKnownHosts(file: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
}

export interface PinnedKey {
  /** 1-based line in the file. */
  line: number;
  keyType: string;
  key: string;
}

/** Whether a host field of a known_hosts line names `pattern` (plain lists or `|1|salt|hash`). */
function namesHost(field: string, pattern: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = crypto.createHmac('sha1', Buffer.from(salt, 'base64')).update(pattern).digest('base64');
    return mac === hash;
  }
  return field.split(',').includes(pattern);
}

/** The keys a known_hosts text pins for `host:port` (markers such as @revoked are skipped). */
export function pinnedKeys(text: string, host: string, port: number): PinnedKey[] {
  const pattern = hostPattern(host, port);
  const found: PinnedKey[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@')) return;
    const [hosts, keyType, key] = line.split(/\s+/);
    if (hosts && keyType && key && namesHost(hosts, pattern)) found.push({ line: i + 1, keyType, key });
  });
  return found;
}

/** The pinned keys of `host:port` in `file` (none when the file is missing). */
export async function readPinnedKeys(file: string, host: string, port: number): Promise<PinnedKey[]> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  return pinnedKeys(text, host, port);
}

/** The command that forgets a host's pinned key (when the change is expected). */
export function forgetHostCommand(file: string, host: string, port: number): string {
  return `ssh-keygen -f ${quote(file)} -R ${quote(hostPattern(host, port))}`;
}
