import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { env } from '../../config/env.js';
import { CloudtikError } from '../../core/errors.js';
import { errorMessage, logEvent, nullSink, timedStep, type EventSink } from '../../core/events.js';
import { isDockerStatus } from './docker-client.js';
import { acquireLock } from './lock.js';
import { collectDirectory, hashImageInputs, packContext, type ContextFile } from './image-context.js';
import { bootstrapDebianImage, debootstrapArgs, jsonLines } from './image-debian.js';
import { dockerDir, fetchNodeRuntime, packageInfo, packCloudtik } from './image-package.js';
import { DEBIAN_SUITE, IMAGE_LABEL, IMAGE_RECIPE_VERSION, NODE_VERSION, NPM_VERSION } from './image-versions.js';

/** The node images we know how to make, parents first. */
export const NODE_IMAGE_NAMES = ['cloudtik/debian', 'cloudtik/base', 'cloudtik/cloudtik'] as const;
export type NodeImageName = (typeof NODE_IMAGE_NAMES)[number];

/** What `docker.image` means when a cluster config gives none. */
export const DEFAULT_NODE_IMAGE: NodeImageName = 'cloudtik/cloudtik';

export function isNodeImageName(name: string): name is NodeImageName {
  return (NODE_IMAGE_NAMES as readonly string[]).includes(name);
}

/** The one tag we build an image under: the Debian suite for the OS image, the package version for the rest. */
export function imageTag(name: NodeImageName): string {
  return name === 'cloudtik/debian' ? DEBIAN_SUITE : packageInfo().version;
}

/**
 * The reference an image is built under: `name:tag`, or `name:tag-<variant>` for the images of a
 * variant (the OS image of a variant is the user's, so `cloudtik/debian` never takes a suffix).
 */
export function imageRef(name: NodeImageName, variant?: string): string {
  const suffix = variant === undefined || name === 'cloudtik/debian' ? '' : `-${variant}`;
  return `${name}:${imageTag(name)}${suffix}`;
}

/**
 * Node images built on another OS image than `cloudtik/debian`, for example GPU images on a CUDA
 * base: `cloudtik/base` is built FROM `osImage` (which must already be in the engine; it is never
 * pulled) and both Dockerfile images are tagged `<version>-<name>`.
 */
export interface ImageVariant {
  /** Tag suffix, e.g. `gpu` for `cloudtik/cloudtik:<version>-gpu`. */
  name: string;
  /** Local image reference `cloudtik/base` builds on. */
  osImage: string;
}

/** Why a variant cannot be used (a usage error), or undefined when it is fine. */
export function variantProblem(variant: ImageVariant): string | undefined {
  if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(variant.name))
    return `variant name "${variant.name}" must be lower-case letters, digits, '.', '_' or '-' (at most 64)`;
  if (variant.osImage.trim() === '' || /\s/.test(variant.osImage))
    return `OS image "${variant.osImage}" is not an image reference`;
  return undefined;
}

/** `cached`: the tag already had the wanted content hash; `built`/`bootstrapped`: made now. */
export type ImageAction = 'cached' | 'built' | 'bootstrapped';

export interface ImageBuildResult {
  name: NodeImageName;
  ref: string;
  /** Image ID, `sha256:…`. */
  id: string;
  /** The `cloudtik-image-hash` label. */
  hash: string;
  action: ImageAction;
  /** Wall time spent on this image, checks included. */
  ms: number;
  sizeBytes: number;
  /** ISO time the image was created. */
  createdAt: string;
}

export interface EnsureImageOptions {
  /** The image to make sure of (its parents are ensured first); default `cloudtik/cloudtik`. */
  image?: NodeImageName;
  /** Build the image even when its hash label is current (its parents only when out of date). */
  rebuild?: boolean;
  /** Build without Docker's layer cache; implies `rebuild`. */
  noCache?: boolean;
  /** Build the variant images instead (on its OS image, tags with its suffix). */
  variant?: ImageVariant;
  sink?: EventSink;
  signal?: AbortSignal;
}

/**
 * Makes sure `image` exists, tagged with the package version, and matches the current sources
 * (Dockerfile, context files, pinned versions, parent image). Builds whatever in the chain
 * `cloudtik/debian → cloudtik/base → cloudtik/cloudtik` is missing or out of date, never pulls.
 * With nothing changed it only hashes inputs and inspects tags (well under a second).
 */
export async function ensureImage(docker: Docker, options: EnsureImageOptions = {}): Promise<ImageBuildResult> {
  const target = options.image ?? DEFAULT_NODE_IMAGE;
  const results = await ensureChain(docker, target, {
    rebuild: options.rebuild === true || options.noCache === true ? new Set([target]) : new Set(),
    noCache: options.noCache === true,
    variant: options.variant,
    sink: options.sink ?? nullSink,
    signal: options.signal,
  });
  const last = results[results.length - 1];
  if (last === undefined) throw new Error('ensureChain returned nothing');
  return last;
}

export interface BuildAllImagesOptions extends EnsureImageOptions {
  /**
   * With `image` named, `rebuild` applies to it alone. Without, it applies to the Dockerfile images
   * (`cloudtik/base`, `cloudtik/cloudtik`): the Debian base is re-bootstrapped only when named.
   */
  image?: NodeImageName;
}

/**
 * Ensures every image of the chain up to `image` (default: all) and returns one result per image,
 * parents first. With a variant, the chain starts at its OS image, which is not in the results.
 */
export async function buildAllImages(docker: Docker, options: BuildAllImagesOptions = {}): Promise<ImageBuildResult[]> {
  const target = options.image ?? DEFAULT_NODE_IMAGE;
  const forced = options.rebuild === true || options.noCache === true;
  const rebuild = new Set<NodeImageName>();
  if (forced && options.image !== undefined) rebuild.add(options.image);
  if (forced && options.image === undefined)
    NODE_IMAGE_NAMES.filter((n) => n !== 'cloudtik/debian').forEach((n) => rebuild.add(n));
  return ensureChain(docker, target, {
    rebuild,
    noCache: options.noCache === true,
    variant: options.variant,
    sink: options.sink ?? nullSink,
    signal: options.signal,
  });
}

/** True when `ref` (name:tag or ID) is in the engine's image store. */
export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  return (await inspectImage(docker, ref)) !== undefined;
}

/** A `docker.image` value resolved to the reference a node runs. */
export interface ResolvedNodeImage {
  /** Full reference, with the package version as tag when none was given. */
  ref: string;
  name: string;
  tag: string;
  /** True when {@link ensureImage} can produce exactly `ref`. */
  buildable: boolean;
  /** The image to pass to {@link ensureImage} when `buildable`. */
  buildName?: NodeImageName;
  /** Why `ref` is not buildable (it must then already exist in the engine). */
  reason?: string;
}

/**
 * Resolves the node image of a cluster config (`docker.image`, default `cloudtik/cloudtik`): adds the
 * package version as tag when there is none, and says whether we know how to build it.
 */
export function resolveNodeImage(config?: string | { image?: string | null } | null): ResolvedNodeImage {
  const raw = (typeof config === 'string' ? config : config?.image) ?? '';
  const given = raw.trim() === '' ? DEFAULT_NODE_IMAGE : raw.trim();
  if (given.includes('@')) {
    const [name = given] = given.split('@');
    return {
      ref: given,
      name,
      tag: '',
      buildable: false,
      reason: 'pinned by digest; digests cannot be rebuilt locally',
    };
  }
  const colon = given.lastIndexOf(':');
  const hasTag = colon > given.lastIndexOf('/');
  const name = hasTag ? given.slice(0, colon) : given;
  const canonical = name.replace(/^(docker\.io|index\.docker\.io)\//, '');
  const known = isNodeImageName(canonical) ? canonical : undefined;
  const tag = hasTag ? given.slice(colon + 1) : known !== undefined ? imageTag(known) : packageInfo().version;
  const ref = `${name}:${tag}`;
  if (known === undefined) {
    return {
      ref,
      name,
      tag,
      buildable: false,
      reason: `${name} is not one of the images cloudtik builds (${NODE_IMAGE_NAMES.join(', ')})`,
    };
  }
  if (tag !== imageTag(known)) {
    return { ref, name, tag, buildable: false, reason: `cloudtik builds ${known} only as ${imageRef(known)}` };
  }
  return { ref, name, tag, buildable: true, buildName: known };
}

/** One tagged (or dangling) node image in the engine. */
export interface NodeImageInfo {
  name: string;
  tag: string;
  ref: string;
  id: string;
  hash: string | undefined;
  /** `cloudtik-version` label. */
  version: string | undefined;
  sizeBytes: number;
  createdAt: string;
}

/** The images carrying our `cloudtik-image` label, in chain order then by tag. */
export async function listNodeImages(docker: Docker): Promise<NodeImageInfo[]> {
  let images: Docker.ImageInfo[];
  try {
    images = await docker.listImages({ filters: { label: [IMAGE_LABEL.image] } });
  } catch (err) {
    throw new CloudtikError('ERR_CLOUDTIK_DOCKER', `listing images failed: ${errorMessage(err)}`, { cause: err });
  }
  const rows: NodeImageInfo[] = [];
  for (const image of images) {
    const labels = image.Labels ?? {};
    const tags = image.RepoTags?.filter((t) => t !== '<none>:<none>') ?? [];
    for (const repoTag of tags.length > 0 ? tags : [`${labels[IMAGE_LABEL.image] ?? '<none>'}:<none>`]) {
      const colon = repoTag.lastIndexOf(':');
      rows.push({
        name: repoTag.slice(0, colon),
        tag: repoTag.slice(colon + 1),
        ref: repoTag,
        id: image.Id,
        hash: labels[IMAGE_LABEL.hash],
        version: labels[IMAGE_LABEL.version],
        sizeBytes: image.Size,
        createdAt: new Date(image.Created * 1000).toISOString(),
      });
    }
  }
  const order = (name: string): number => {
    const i = (NODE_IMAGE_NAMES as readonly string[]).indexOf(name);
    return i === -1 ? NODE_IMAGE_NAMES.length : i;
  };
  return rows.sort(
    (a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name) || b.createdAt.localeCompare(a.createdAt),
  );
}

// ---- internals ----

interface ChainOptions {
  rebuild: Set<NodeImageName>;
  noCache: boolean;
  variant: ImageVariant | undefined;
  sink: EventSink;
  signal: AbortSignal | undefined;
}

interface ChainContext extends ChainOptions {
  docker: Docker;
  /** Acquires the host-wide build lock once per chain (only when something must be built). */
  lock(): Promise<void>;
  /** Engine architecture, as `docker version` says it. */
  arch(): Promise<string>;
  /** IDs replaced by this run, removed at the end when nothing uses them. */
  superseded: string[];
}

function chainTo(target: NodeImageName): NodeImageName[] {
  return NODE_IMAGE_NAMES.slice(0, NODE_IMAGE_NAMES.indexOf(target) + 1);
}

async function ensureChain(docker: Docker, target: NodeImageName, options: ChainOptions): Promise<ImageBuildResult[]> {
  if (!isNodeImageName(target)) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown node image ${String(target)}`, {
      hint: `known images: ${NODE_IMAGE_NAMES.join(', ')}`,
    });
  }
  if (options.variant !== undefined) {
    const problem = variantProblem(options.variant);
    if (problem !== undefined) throw new CloudtikError('ERR_CLOUDTIK_USAGE', problem);
    if (target === 'cloudtik/debian') {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `the ${options.variant.name} variant has no cloudtik/debian`, {
        hint: `it builds cloudtik/base on ${options.variant.osImage}`,
      });
    }
  }
  let release: (() => Promise<void>) | undefined;
  let arch: Promise<string> | undefined;
  const ctx: ChainContext = {
    ...options,
    docker,
    superseded: [],
    lock: async () => {
      release ??= await acquireBuildLock(options.sink);
    },
    arch: () => (arch ??= docker.version().then((v) => v.Arch)),
  };
  const results: ImageBuildResult[] = [];
  try {
    let parent: ImageBuildResult | undefined;
    for (const name of chainTo(target)) {
      if (name === 'cloudtik/debian' && ctx.variant !== undefined) {
        parent = await variantOsImage(ctx, ctx.variant);
        continue;
      }
      parent = name === 'cloudtik/debian' ? await ensureDebian(ctx) : await ensureDockerfileImage(ctx, name, parent);
      results.push(parent);
    }
    await removeSuperseded(ctx);
  } finally {
    if (release !== undefined) await release();
  }
  return results;
}

/** One image build at a time per host cache, across processes (two `cloudtik start` at once). */
async function acquireBuildLock(sink: EventSink): Promise<() => Promise<void>> {
  const dir = env.imageCacheDir();
  await fsp.mkdir(dir, { recursive: true });
  return acquireLock(path.join(dir, 'images'), 'image build', {
    waitMs: 30 * 60_000,
    onWait: () => logEvent(sink, 'info', 'waiting for another cloudtik image build to finish'),
  });
}

async function inspectImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (isDockerStatus(err, 404)) return undefined;
    throw new CloudtikError('ERR_CLOUDTIK_DOCKER', `inspecting image ${ref} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function toResult(
  name: NodeImageName,
  ref: string,
  info: Docker.ImageInspectInfo,
  action: ImageAction,
  t0: number,
): ImageBuildResult {
  return {
    name,
    ref,
    id: info.Id,
    hash: info.Config?.Labels?.[IMAGE_LABEL.hash] ?? '',
    action,
    ms: Math.round(performance.now() - t0),
    sizeBytes: info.Size,
    createdAt: info.Created,
  };
}

function stepId(name: NodeImageName): string {
  return `image:${name}`;
}

function skipStep(sink: EventSink, name: NodeImageName, ref: string): void {
  sink({ type: 'step', id: stepId(name), title: `Image ${ref}`, state: 'skip', detail: 'up to date' });
}

/** The OS image of a variant, as it is in the engine: never pulled, never built here. */
async function variantOsImage(ctx: ChainContext, variant: ImageVariant): Promise<ImageBuildResult> {
  const t0 = performance.now();
  const info = await inspectImage(ctx.docker, variant.osImage);
  if (info === undefined) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_IMAGE',
      `the OS image ${variant.osImage} of the ${variant.name} variant is not in the Docker engine`,
      { hint: 'cloudtik never pulls images: docker pull or docker load it first' },
    );
  }
  return toResult('cloudtik/debian', variant.osImage, info, 'cached', t0);
}

async function ensureDebian(ctx: ChainContext): Promise<ImageBuildResult> {
  const name = 'cloudtik/debian' as const;
  const ref = imageRef(name);
  const t0 = performance.now();
  const rebuild = ctx.rebuild.has(name);
  // The recipe, not the bytes: a bootstrap is not reproducible, so an existing image is kept as is.
  const hash = crypto
    .createHash('sha256')
    .update(JSON.stringify({ recipe: IMAGE_RECIPE_VERSION, debootstrap: debootstrapArgs('<target>') }))
    .digest('hex');
  let existing = await inspectImage(ctx.docker, ref);
  if (existing !== undefined && !rebuild) {
    skipStep(ctx.sink, name, ref);
    return toResult(name, ref, existing, 'cached', t0);
  }
  await ctx.lock();
  if (!rebuild) {
    existing = await inspectImage(ctx.docker, ref);
    if (existing !== undefined) return toResult(name, ref, existing, 'cached', t0);
  }
  await timedStep(ctx.sink, stepId(name), `Image ${ref} (debootstrap ${DEBIAN_SUITE}, docker import)`, () =>
    bootstrapDebianImage(ctx.docker, {
      ref,
      hash,
      labels: { [IMAGE_LABEL.image]: name, [IMAGE_LABEL.version]: packageInfo().version },
      sink: ctx.sink,
      signal: ctx.signal,
    }),
  );
  const info = await inspectImage(ctx.docker, ref);
  if (info === undefined) throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `${ref} is missing right after docker import`);
  if (existing !== undefined && existing.Id !== info.Id) ctx.superseded.push(existing.Id);
  return toResult(name, ref, info, 'bootstrapped', t0);
}

/**
 * The certificate authorities this machine added to its trust store (`*.crt` in the local CA folder),
 * as `host-ca/` context files: nodes then reach package registries through the same TLS-inspecting
 * proxy the host uses. A marker file keeps the folder present when there are none.
 */
async function hostCaFiles(): Promise<ContextFile[]> {
  const dir = env.hostCaDir();
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const certs = names
    .filter((n) => n.endsWith('.crt'))
    .sort()
    .map((n): ContextFile => ({ name: `host-ca/${n}`, path: path.join(dir, n), mode: 0o644 }));
  return [{ name: 'host-ca/.keep', data: Buffer.from(''), mode: 0o644 }, ...certs];
}

interface DockerfilePlan {
  files: ContextFile[];
  buildArgs: Record<string, string>;
}

async function planDockerfileImage(
  ctx: ChainContext,
  name: NodeImageName,
  parent: ImageBuildResult,
): Promise<DockerfilePlan> {
  const folder = path.join(dockerDir(), name.slice(name.indexOf('/') + 1));
  let files: ContextFile[];
  try {
    files = await collectDirectory(folder);
  } catch (err) {
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `cannot read the Dockerfile folder ${folder}: ${errorMessage(err)}`, {
      cause: err,
      hint: 'the docker/ folder ships with the cloudtik package; reinstall it',
    });
  }
  const packOptions = { sink: ctx.sink, signal: ctx.signal };
  if (name === 'cloudtik/base') {
    const runtime = await fetchNodeRuntime(await ctx.arch(), packOptions);
    files.push(
      { name: 'node', path: runtime.nodeBinary, mode: 0o755, digest: runtime.nodeDigest },
      { name: 'npm.tgz', path: runtime.npmTarball.path, mode: 0o644, digest: runtime.npmTarball.sha256 },
      ...(await hostCaFiles()),
    );
    return { files, buildArgs: { DEBIAN_IMAGE: parent.ref, NODE_VERSION, NPM_VERSION } };
  }
  const tarball = await packCloudtik(packOptions);
  files.push({ name: 'cloudtik.tgz', path: tarball.path, mode: 0o644, digest: tarball.sha256 });
  return { files, buildArgs: { BASE_IMAGE: parent.ref, CLOUDTIK_VERSION: packageInfo().version } };
}

async function ensureDockerfileImage(
  ctx: ChainContext,
  name: NodeImageName,
  parent: ImageBuildResult | undefined,
): Promise<ImageBuildResult> {
  if (parent === undefined) throw new Error(`${name} needs a parent image`);
  const ref = imageRef(name, ctx.variant?.name);
  const t0 = performance.now();
  const rebuild = ctx.rebuild.has(name);
  const plan = await planDockerfileImage(ctx, name, parent);
  const labels = { [IMAGE_LABEL.image]: name, [IMAGE_LABEL.version]: packageInfo().version };
  const hash = await hashImageInputs({
    files: plan.files,
    buildArgs: plan.buildArgs,
    parentId: parent.id,
    extra: { recipe: IMAGE_RECIPE_VERSION, ...labels },
  });
  const current = (info: Docker.ImageInspectInfo | undefined): info is Docker.ImageInspectInfo =>
    info !== undefined && info.Config?.Labels?.[IMAGE_LABEL.hash] === hash;

  let existing = await inspectImage(ctx.docker, ref);
  if (current(existing) && !rebuild) {
    skipStep(ctx.sink, name, ref);
    return toResult(name, ref, existing, 'cached', t0);
  }
  await ctx.lock();
  existing = await inspectImage(ctx.docker, ref);
  if (current(existing) && !rebuild) return toResult(name, ref, existing, 'cached', t0);

  await timedStep(ctx.sink, stepId(name), `Image ${ref}`, () =>
    dockerBuild(ctx, { name, ref, parentRef: parent.ref, plan, labels: { ...labels, [IMAGE_LABEL.hash]: hash } }),
  );
  const info = await inspectImage(ctx.docker, ref);
  if (info?.Config?.Labels?.[IMAGE_LABEL.hash] !== hash) {
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `${ref} does not carry the hash it was just built with`, {
      hint: 'another process may have tagged it meanwhile; run cloudtik image build again',
    });
  }
  if (existing !== undefined && existing.Id !== info.Id) ctx.superseded.push(existing.Id);
  return toResult(name, ref, info, 'built', t0);
}

interface BuildRequest {
  name: NodeImageName;
  ref: string;
  parentRef: string;
  plan: DockerfilePlan;
  labels: Record<string, string>;
}

const BUILD_TAIL_LINES = 40;

async function dockerBuild(ctx: ChainContext, req: BuildRequest): Promise<void> {
  // The classic builder pulls a missing FROM image; no registry is reachable, so refuse up front.
  if (!(await imageExists(ctx.docker, req.parentRef))) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_IMAGE',
      `cannot build ${req.ref}: its parent image ${req.parentRef} is missing`,
      {
        hint: 'run cloudtik image build to build the whole chain; images are never pulled',
      },
    );
  }
  let stream: NodeJS.ReadableStream;
  try {
    stream = await ctx.docker.buildImage(packContext(req.plan.files), {
      t: req.ref,
      pull: false,
      nocache: ctx.noCache,
      rm: true,
      forcerm: true,
      buildargs: req.plan.buildArgs,
      labels: req.labels,
      abortSignal: ctx.signal,
    });
  } catch (err) {
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `building ${req.ref} failed to start: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const tail: string[] = [];
  let failure: string | undefined;
  try {
    for await (const message of jsonLines(stream)) {
      if (typeof message.stream === 'string') {
        for (const line of message.stream.split('\n')) {
          const text = line.trimEnd();
          if (text === '') continue;
          tail.push(text);
          if (tail.length > BUILD_TAIL_LINES) tail.shift();
          logEvent(ctx.sink, 'debug', `[${req.name}] ${text}`);
        }
      }
      const detail = message.errorDetail as { message?: string } | undefined;
      if (typeof message.error === 'string' || detail?.message !== undefined)
        failure = detail?.message ?? String(message.error);
    }
  } catch (err) {
    failure ??= errorMessage(err);
  }
  if (failure !== undefined) {
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `building ${req.ref} failed: ${failure.trim()}`, {
      details: tail,
      hint: `the lines above are the end of the build log; rerun with --verbose for all of it (docker/${req.name.split('/')[1]}/Dockerfile)`,
    });
  }
}

/** Best effort: drop images this run replaced (children first); images still used by containers stay. */
async function removeSuperseded(ctx: ChainContext): Promise<void> {
  for (const id of [...ctx.superseded].reverse()) {
    try {
      await ctx.docker.getImage(id).remove();
      logEvent(ctx.sink, 'debug', `removed the replaced image ${id.slice(0, 19)}`);
    } catch (err) {
      logEvent(ctx.sink, 'debug', `kept the replaced image ${id.slice(0, 19)}: ${errorMessage(err)}`);
    }
  }
}
