import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../../config/env.js';

/** Whether a path exists (any kind of file). */
export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

/** sha256 (hex) of a file's bytes, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A local regular file: `name` is its `/`-separated path below some folder. */
export interface LocalFile {
  name: string;
  path: string;
  /** 0755 or 0644: only the executable bit is kept, so hashes don't depend on the umask. */
  mode: number;
}

/** 0755 when any executable bit is set, else 0644. */
export function normalMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/** The regular files under `dir`, sorted by name, named `prefix` + relative path. Symlinks are followed. */
export async function collectDirectory(dir: string, prefix = ''): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const abs = path.join(dir, relPath);
      const stat = await fsp.stat(abs);
      if (stat.isDirectory()) await walk(relPath);
      else if (stat.isFile()) files.push({ name: prefix + relPath, path: abs, mode: normalMode(stat.mode) });
    }
  };
  await walk('');
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The certificate authorities this machine added to its trust store (`*.crt` in the local CA folder),
 * as `host-ca/<name>.crt`: nodes (images and bare hosts) then reach package registries through the
 * same TLS-inspecting proxy this machine uses.
 */
export async function hostCaCertificates(): Promise<LocalFile[]> {
  const dir = env.hostCaDir();
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.crt'))
    .sort()
    .map((n) => ({ name: `host-ca/${n}`, path: path.join(dir, n), mode: 0o644 }));
}
