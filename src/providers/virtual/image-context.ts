import crypto from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-fs';
import { hashFile, normalMode } from '../../core/host/files.js';

/**
 * One regular file of a Docker build context. Its bytes come from `path` or `data`; `digest`, when
 * given, stands for the content in the hash so big files from the cache are not re-read on every check.
 */
export interface ContextFile {
  /** Path inside the context, `/`-separated, no leading `./`. */
  name: string;
  path?: string;
  data?: Buffer;
  /** Unix mode; only the executable bit is kept (0755 or 0644), so hashes don't depend on the umask. */
  mode: number;
  digest?: string;
}

/** Everything an image is built from, as hashed into its `cloudtik-image-hash` label. */
export interface ImageHashInputs {
  /** Context files (Dockerfile included). */
  files: ContextFile[];
  buildArgs: Record<string, string>;
  /** ID of the image the Dockerfile builds on (`sha256:…`), or undefined for a root image. */
  parentId: string | undefined;
  /** Anything else that should force a rebuild when it changes (recipe version, labels). */
  extra?: Record<string, string | number>;
}

async function fileDigest(file: ContextFile): Promise<string> {
  if (file.digest !== undefined) return file.digest;
  if (file.data !== undefined) return crypto.createHash('sha256').update(file.data).digest('hex');
  if (file.path !== undefined) return hashFile(file.path);
  throw new Error(`context file ${file.name} has neither path nor data`);
}

/**
 * The content hash of an image: stable across runs and machines for equal inputs (file order,
 * build-arg order and umask don't matter), different as soon as any file, arg or the parent changes.
 */
export async function hashImageInputs(inputs: ImageHashInputs): Promise<string> {
  const hash = crypto.createHash('sha256');
  const line = (s: string): void => {
    hash.update(s);
    hash.update('\n');
  };
  line(`parent ${inputs.parentId ?? '-'}`);
  for (const [k, v] of Object.entries(inputs.extra ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    line(`extra ${JSON.stringify(k)}=${JSON.stringify(v)}`);
  }
  for (const [k, v] of Object.entries(inputs.buildArgs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    line(`arg ${JSON.stringify(k)}=${JSON.stringify(v)}`);
  }
  const files = [...inputs.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.name)) throw new Error(`context file ${file.name} given twice`);
    seen.add(file.name);
    line(`file ${JSON.stringify(file.name)} ${normalMode(file.mode).toString(8)} ${await fileDigest(file)}`);
  }
  return hash.digest('hex');
}

// ---- the context as a tar stream ----

/** Fixed mtime so equal contexts give equal tar streams (and Docker's COPY cache sees no change). */
const MTIME = new Date(499_162_500 * 1000); // 1985-10-26, the date npm pack uses

function contextHeader(file: ContextFile, size: number): tar.Headers {
  return { name: file.name, size, mode: normalMode(file.mode), mtime: MTIME, type: 'file', uid: 0, gid: 0 };
}

/** Files on disk by the folder they are in (tar-fs packs entries of one folder per call). */
function byFolder(files: ContextFile[]): Map<string, Map<string, ContextFile[]>> {
  const folders = new Map<string, Map<string, ContextFile[]>>();
  for (const file of files) {
    if (file.data !== undefined) continue;
    if (file.path === undefined) throw new Error(`context file ${file.name} has neither path nor data`);
    const abs = path.resolve(file.path);
    const folder = folders.get(path.dirname(abs)) ?? new Map<string, ContextFile[]>();
    folders.set(path.dirname(abs), folder);
    // The same disk file may stand under two names: each header takes the next of them.
    folder.set(path.basename(abs), [...(folder.get(path.basename(abs)) ?? []), file]);
  }
  return folders;
}

/**
 * A tar stream of the given files (uid/gid 0, fixed mtime, modes 0755/0644), as Docker's build API
 * takes it. Written by tar-fs, which the file copies to nodes use too: our own writer was no
 * cheaper to load or to run (bench/libraries.mjs). Files on disk go first, folder by folder, each
 * renamed to its place in the context; in-memory files follow.
 */
export function packContext(files: ContextFile[]): Readable {
  const folders = [...byFolder(files)];
  // An empty tar-fs pack: the stream every folder's entries go into.
  const pack = tar.pack(path.sep, { entries: [], finalize: false });
  const next = (i: number): void => {
    const group = folders[i];
    if (group === undefined) {
      for (const file of files)
        if (file.data !== undefined) pack.entry(contextHeader(file, file.data.length), file.data);
      pack.finalize();
      return;
    }
    const [dir, byName] = group;
    tar.pack(dir, {
      pack,
      entries: [...byName].flatMap(([name, named]) => named.map(() => name)),
      // A context file may be a link into the download cache: its target's bytes go in.
      dereference: true,
      map: (h) => {
        const file = byName.get(h.name)?.shift();
        if (file !== undefined && h.type === 'file') return contextHeader(file, h.size);
        pack.destroy(new Error(`${path.join(dir, h.name)} is not a regular file: a build context holds files only`));
        return h;
      },
      finalize: false,
      finish: () => next(i + 1),
    });
  };
  next(0);
  return pack;
}
