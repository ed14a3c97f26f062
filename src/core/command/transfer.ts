/**
 * Copies to and from nodes travel as tar streams, whatever carries them (`docker exec`, SSH).
 * Here: which archive to make for an upload and how to unpack a download, with the rsync-like
 * naming the CommandRunner promises (`dir/` copies the contents, `dir` copies the folder).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CloudtikError } from '../errors.js';

/** tar-fs, loaded by the first copy: most commands that load this module copy nothing. */
async function tarFs(): Promise<typeof import('tar-fs')> {
  return (await import('tar-fs')).default;
}

export interface UploadPlan {
  /** The archive; extract it in `destDir`. */
  archive: Readable;
  /** Folder on the node the archive is extracted into. */
  destDir: string;
  /** Paths on the node that the copy made (what changes owner afterwards). */
  copied: string[];
}

/** Plan the upload of local `source` to `target` (a path on the node, `~` already expanded). */
export async function planUpload(source: string, target: string): Promise<UploadPlan> {
  const stat = await fsp.stat(source).catch(() => undefined);
  if (!stat) throw new CloudtikError('ERR_CLOUDTIK_USAGE', `local path not found: ${source}`);
  const contentsOnly = stat.isDirectory() && source.endsWith('/');
  const destDir = contentsOnly ? target : path.posix.dirname(target);
  const baseName = path.posix.basename(target);
  const tar = await tarFs();
  const archive = stat.isDirectory()
    ? tar.pack(source, {
        map: (h) => {
          h.name = contentsOnly ? h.name : path.posix.join(baseName, h.name);
          return h;
        },
      })
    : tar.pack(path.dirname(source), {
        entries: [path.basename(source)],
        map: (h) => {
          h.name = baseName;
          return h;
        },
      });
  // Only what was copied changes owner: `upload dir/ /tmp` must not hand /tmp to the user.
  const copied = contentsOnly
    ? (await fsp.readdir(source)).map((name) => path.posix.join(destDir, name))
    : [path.posix.join(destDir, baseName)];
  return { archive, destDir, copied };
}

/**
 * Unpack an archive of node path `sourcePath` (made in its parent folder) at local `target`: like
 * rsync/cp, into an existing folder keeps the name, otherwise the copy is named `target`.
 */
export async function unpackDownload(
  archive: NodeJS.ReadableStream,
  sourcePath: string,
  target: string,
): Promise<void> {
  const baseName = path.posix.basename(sourcePath);
  const targetStat = await fsp.stat(target).catch(() => undefined);
  const intoDir = targetStat?.isDirectory() === true;
  const destDir = intoDir ? target : path.dirname(path.resolve(target));
  const newName = intoDir ? baseName : path.basename(target);
  const tar = await tarFs();
  // No folder is made up front: the archive's entries make theirs, so a failed copy leaves nothing.
  await pipeline(
    archive,
    tar.extract(destDir, {
      map: (h) => {
        const rest = h.name === baseName ? '' : h.name.slice(baseName.length + 1);
        h.name = rest === '' ? newName : path.posix.join(newName, rest);
        return h;
      },
    }) as unknown as fs.WriteStream,
  );
}

/** A node path with a leading `~` made absolute with the user's home folder. */
export function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return `${home}/${p.slice(2)}`;
  return p;
}
