import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine } from './engine.js';
import { env } from '../../config/env.js';
import { CloudtikError } from '../../core/errors.js';
import { errorMessage, logEvent, type EventSink } from '../../core/events.js';
import { findTool, runTool, streamTool, toolError } from '../../core/host/process.js';
import { DEBIAN_SUITE, DEBIAN_VARIANT, IMAGE_LABEL } from './image-versions.js';

export interface BootstrapOptions {
  /** Full reference to tag, e.g. `cloudtik/debian:bookworm`. */
  ref: string;
  /** Value of the `cloudtik-image-hash` label. */
  hash: string;
  /** More labels to set on the image. */
  labels: Record<string, string>;
  sink: EventSink;
  signal?: AbortSignal;
}

/** The debootstrap command line the Debian image comes from (also hashed into its label). */
export function debootstrapArgs(target: string): string[] {
  const args = [`--variant=${DEBIAN_VARIANT}`, DEBIAN_SUITE, target];
  const mirror = env.debianMirror();
  if (mirror !== undefined) args.push(mirror);
  return args;
}

function splitRef(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/')
    ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) }
    : { repo: ref, tag: 'latest' };
}

/**
 * Creates the root image by `debootstrap` into a scratch directory under the image cache and
 * `docker import` of that tree. Needs root and debootstrap on the host; the scratch directory is
 * removed whatever happens. Returns the new image ID.
 */
export async function bootstrapDebianImage(docker: DockerEngine, opts: BootstrapOptions): Promise<string> {
  const debootstrap = findTool('debootstrap');
  if (debootstrap === undefined) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_IMAGE',
      `debootstrap is not installed: it is needed to create ${opts.ref}, the base of every node image`,
      {
        hint: 'apt-get install debootstrap (no registry is used: the Debian base is bootstrapped locally)',
      },
    );
  }
  if (process.getuid?.() !== 0) {
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `creating ${opts.ref} with debootstrap needs root`, {
      hint: 'run this once as root (sudo cloudtik image build); later builds reuse the image',
    });
  }
  const tar = findTool('tar');
  if (tar === undefined)
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', 'tar is not on the PATH', { hint: 'apt-get install tar' });

  // Under the cache, not os.tmpdir(): debootstrap needs a filesystem that allows devices and exec.
  const scratch = path.join(
    env.imageCacheDir(),
    'bootstrap',
    `debian-${process.pid}-${crypto.randomBytes(4).toString('hex')}`,
  );
  await fsp.mkdir(scratch, { recursive: true });
  try {
    const args = debootstrapArgs(scratch);
    logEvent(opts.sink, 'info', `debootstrap ${args.join(' ')}`);
    const result = await runTool(debootstrap, args, {
      signal: opts.signal,
      tailLines: 40,
      onLine: (line) => logEvent(opts.sink, 'debug', `[debootstrap] ${line}`),
    });
    if (result.code !== 0) {
      throw toolError(result, {
        code: 'ERR_CLOUDTIK_IMAGE',
        what: `debootstrap ${DEBIAN_SUITE}`,
        command: [debootstrap, ...args].join(' '),
        hint: 'check that the Debian mirror is reachable (set CLOUDTIK_DEBIAN_MIRROR to use another one)',
      });
    }
    // Package downloads and indexes are not needed in the image; Dockerfiles run apt-get update themselves.
    for (const sub of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      const dir = path.join(scratch, sub);
      for (const entry of await fsp.readdir(dir).catch(() => [] as string[])) {
        if (entry !== 'partial' && entry !== 'lock')
          await fsp.rm(path.join(dir, entry), { recursive: true, force: true });
      }
    }
    return await importRootfs(docker, { ...opts, dir: scratch, tar });
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true });
  }
}

/** `tar -C dir -c . | docker import` with our labels and `CMD ["bash"]`; returns the image ID. */
export async function importRootfs(
  docker: DockerEngine,
  opts: BootstrapOptions & { dir: string; tar?: string },
): Promise<string> {
  const tar = opts.tar ?? findTool('tar');
  if (tar === undefined)
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', 'tar is not on the PATH', { hint: 'apt-get install tar' });
  const { repo, tag } = splitRef(opts.ref);
  const labels = { ...opts.labels, [IMAGE_LABEL.hash]: opts.hash };
  const changes = [
    ...Object.entries(labels).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`),
    'ENV LANG=C.UTF-8',
    'CMD ["bash"]',
  ];
  logEvent(opts.sink, 'info', `importing ${opts.dir} as ${opts.ref}`);
  const tarArgs = ['-C', opts.dir, '--numeric-owner', '-c', '.'];
  const archive = streamTool(tar, tarArgs, { signal: opts.signal });
  let id: string | undefined;
  let failure: string | undefined;
  try {
    const stream = await docker.importImage(archive.stdout, { repo, tag, changes, abortSignal: opts.signal });
    for await (const line of jsonLines(stream)) {
      if (typeof line.error === 'string') failure = line.error;
      if (typeof line.status === 'string' && /^sha256:[0-9a-f]{64}$/.test(line.status)) id = line.status;
    }
  } catch (err) {
    archive.kill();
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `docker import of ${opts.ref} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const tarred = await archive.done;
  if (tarred.code !== 0) {
    throw toolError(tarred, {
      code: 'ERR_CLOUDTIK_IMAGE',
      what: `packing ${opts.dir} for docker import of ${opts.ref}`,
      command: [tar, ...tarArgs].join(' '),
    });
  }
  if (failure !== undefined) {
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `docker import of ${opts.ref} failed: ${failure}`, {
      details: tarred.tail.filter((line) => line.trim() !== ''),
    });
  }
  if (id === undefined) id = ((await docker.getImage(opts.ref).inspect()) as { Id: string }).Id;
  return id;
}

/** The JSON objects of a Docker progress stream (one per line; lines may split across chunks). */
export async function* jsonLines(stream: NodeJS.ReadableStream): AsyncGenerator<Record<string, unknown>> {
  let buffered = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    buffered += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines = buffered.split(/\r?\n/);
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const parsed = parseLine(line);
      if (parsed !== undefined) yield parsed;
    }
  }
  const last = parseLine(buffered);
  if (last !== undefined) yield last;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return { stream: trimmed };
  }
}
