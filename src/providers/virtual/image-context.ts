import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
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

// ---- tar (ustar + pax for long names), enough for a Docker build context ----

const BLOCK = 512;
/** Fixed mtime so equal contexts give equal tar streams (and Docker's COPY cache sees no change). */
const MTIME = 499_162_500; // 1985-10-26, the date npm pack uses

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value, offset, length, 'utf8');
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

function tarHeader(name: string, size: number, mode: number, type: '0' | 'x' | '5'): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, mode);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, MTIME);
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  writeString(h, 156, 1, type);
  writeString(h, 257, 6, 'ustar\0');
  writeString(h, 263, 2, '00');
  writeString(h, 265, 32, 'root');
  writeString(h, 297, 32, 'root');
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** Headers for one entry: a pax header first when the name does not fit ustar's 100 bytes. */
function entryHeaders(name: string, size: number, mode: number, type: '0' | '5'): Buffer[] {
  if (Buffer.byteLength(name) <= 100) return [tarHeader(name, size, mode, type)];
  const body = `path=${name}\n`;
  // A pax record is "<len> <body>" where <len> counts its own digits too.
  const bodyBytes = Buffer.byteLength(body);
  let len = bodyBytes + 2;
  while (`${len}`.length + 1 + bodyBytes !== len) len = `${len}`.length + 1 + bodyBytes;
  const record = Buffer.from(`${len} ${body}`);
  return [
    tarHeader('PaxHeader', record.length, 0o644, 'x'),
    record,
    padding(record.length),
    tarHeader(Buffer.from(name).subarray(0, 100).toString('utf8'), size, mode, type),
  ];
}

async function* tarChunks(files: ContextFile[]): AsyncGenerator<Buffer> {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join('/')}/`;
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      yield* entryHeaders(dir, 0, 0o755, '5');
    }
    const mode = normalMode(file.mode);
    if (file.data !== undefined) {
      yield* entryHeaders(file.name, file.data.length, mode, '0');
      yield file.data;
      yield padding(file.data.length);
      continue;
    }
    if (file.path === undefined) throw new Error(`context file ${file.name} has neither path nor data`);
    const size = (await fsp.stat(file.path)).size;
    yield* entryHeaders(file.name, size, mode, '0');
    let written = 0;
    for await (const chunk of fs.createReadStream(file.path)) {
      const buf = chunk as Buffer;
      written += buf.length;
      if (written > size) throw new Error(`${file.path} changed size while the build context was sent`);
      yield buf;
    }
    if (written !== size) throw new Error(`${file.path} changed size while the build context was sent`);
    yield padding(size);
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** A tar stream of the given files (uid/gid 0, fixed mtime), as Docker's build API takes it. */
export function packContext(files: ContextFile[]): Readable {
  return Readable.from(tarChunks(files), { objectMode: false });
}
