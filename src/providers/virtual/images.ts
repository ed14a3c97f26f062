import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine, ImageInspect, ImageSummary } from './engine.js';
import { env } from '../../config/env.js';
import { CloudtikError } from '../../core/errors.js';
import { errorMessage, logEvent, nullSink, timedStep, type EventSink } from '../../core/events.js';
import { isDockerStatus } from './docker-client.js';
import { acquireLock } from '../../core/state/lock.js';
import { hashImageInputs, packContext, type ContextFile } from './image-context.js';
import { collectDirectory, hostCaCertificates } from '../../core/host/files.js';
import { bootstrapDebianImage, debootstrapArgs, jsonLines } from './image-debian.js';
import { fetchDownloads, readDownloadLock } from '../../core/host/downloads.js';
import { dockerDir, fetchNodeRuntime, packageInfo, packCloudtik } from '../../core/host/package.js';
import { DEBIAN_SUITE, IMAGE_LABEL, IMAGE_RECIPE_VERSION } from './image-versions.js';
import { FOLDER_VERSIONS } from '../../core/host/versions.js';

/** The node images we know how to make, each after its parent. */
export const NODE_IMAGE_NAMES = [
  'cloudtik/debian',
  'cloudtik/base',
  'cloudtik/cloudtik',
  'cloudtik/hadoop',
  'cloudtik/spark',
  'cloudtik/spark-runtime',
  'cloudtik/sql',
  'cloudtik/sql-runtime',
  'cloudtik/streaming',
  'cloudtik/streaming-runtime',
] as const;
export type NodeImageName = (typeof NODE_IMAGE_NAMES)[number];

/** How one node image is made. */
export interface NodeImageSpec {
  /** The image its Dockerfile builds FROM (passed as the build arg BASE_IMAGE, or DEBIAN_IMAGE for base). */
  parent?: NodeImageName;
  /** Its folder under `docker/` (Dockerfile and context); none for the bootstrapped OS image. */
  folder?: string;
  /**
   * What the build adds to the folder's files besides the locked downloads (`downloads.lock`):
   * `node-runtime` Node and npm and the host's CA certificates, `cloudtik-package` the packed package.
   */
  adds?: 'node-runtime' | 'cloudtik-package';
}

/** The pinned versions an image's Dockerfile is given as build args (its folder's, see versions.ts). */
export function versionArgs(spec: NodeImageSpec): Readonly<Record<string, string>> {
  return spec.folder === undefined ? {} : (FOLDER_VERSIONS[spec.folder] ?? {});
}

export const NODE_IMAGES: Readonly<Record<NodeImageName, NodeImageSpec>> = {
  /** Debian, bootstrapped locally (debootstrap, docker import). */
  'cloudtik/debian': {},
  /** Node LTS, npm, sudo, redis-server and the node user ubuntu. */
  'cloudtik/base': {
    parent: 'cloudtik/debian',
    folder: 'base',
    adds: 'node-runtime',
  },
  /** The cloudtik package. */
  'cloudtik/cloudtik': {
    parent: 'cloudtik/base',
    folder: 'cloudtik',
    adds: 'cloudtik-package',
  },
  /** Java 17 and Hadoop (HDFS, YARN, MapReduce client). */
  'cloudtik/hadoop': {
    parent: 'cloudtik/base',
    folder: 'hadoop',
  },
  /** Python 3, Spark with its YARN shuffle service, Prometheus and the node exporter. */
  'cloudtik/spark': {
    parent: 'cloudtik/hadoop',
    folder: 'spark',
  },
  /** cloudtik/spark plus the cloudtik package (the same Dockerfile as cloudtik/cloudtik). */
  'cloudtik/spark-runtime': {
    parent: 'cloudtik/spark',
    folder: 'cloudtik',
    adds: 'cloudtik-package',
  },
  /** MariaDB (for mysql), PostgreSQL 15, the Hive standalone metastore, Trino and Presto, on cloudtik/spark. */
  'cloudtik/sql': {
    parent: 'cloudtik/spark',
    folder: 'sql',
  },
  /** cloudtik/sql plus the cloudtik package (the same Dockerfile as cloudtik/cloudtik). */
  'cloudtik/sql-runtime': {
    parent: 'cloudtik/sql',
    folder: 'cloudtik',
    adds: 'cloudtik-package',
  },
  /** cloudtik/spark plus Kafka and the ZooKeeper server (Maven jars), Flink with PyFlink, kcat and netcat. */
  'cloudtik/streaming': {
    parent: 'cloudtik/spark',
    folder: 'streaming',
  },
  /** cloudtik/streaming plus the cloudtik package (the same Dockerfile as cloudtik/cloudtik). */
  'cloudtik/streaming-runtime': {
    parent: 'cloudtik/streaming',
    folder: 'cloudtik',
    adds: 'cloudtik-package',
  },
};

/** `target` and the images under it, parents first. */
export function imageChain(target: NodeImageName): NodeImageName[] {
  const chain: NodeImageName[] = [];
  for (let name: NodeImageName | undefined = target; name !== undefined; name = NODE_IMAGES[name].parent) {
    chain.unshift(name);
  }
  return chain;
}

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
 * (Dockerfile, context files, pinned versions, parent image). Builds whatever in its chain (for
 * example `cloudtik/debian → cloudtik/base → cloudtik/cloudtik`) is missing or out of date, never pulls.
 * With nothing changed it only hashes inputs and inspects tags (well under a second).
 */
export async function ensureImage(docker: DockerEngine, options: EnsureImageOptions = {}): Promise<ImageBuildResult> {
  const target = options.image ?? DEFAULT_NODE_IMAGE;
  const results = await ensureChain(docker, [target], {
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
   * With `image` named, `rebuild` applies to it alone. Without, it applies to every Dockerfile image
   * (all but `cloudtik/debian`): the Debian base is re-bootstrapped only when named.
   */
  image?: NodeImageName;
}

/**
 * Ensures `image` and the images under it, or without `image` every node image, and returns one
 * result per image, parents first ({@link NODE_IMAGE_NAMES} order). With a variant, the chains start
 * at its OS image, which is not in the results.
 */
export async function buildAllImages(
  docker: DockerEngine,
  options: BuildAllImagesOptions = {},
): Promise<ImageBuildResult[]> {
  const targets = options.image !== undefined ? [options.image] : [...NODE_IMAGE_NAMES];
  const forced = options.rebuild === true || options.noCache === true;
  const rebuild = new Set<NodeImageName>();
  if (forced && options.image !== undefined) rebuild.add(options.image);
  if (forced && options.image === undefined)
    NODE_IMAGE_NAMES.filter((n) => n !== 'cloudtik/debian').forEach((n) => rebuild.add(n));
  return ensureChain(docker, targets, {
    rebuild,
    noCache: options.noCache === true,
    variant: options.variant,
    sink: options.sink ?? nullSink,
    signal: options.signal,
  });
}

/** True when `ref` (name:tag or ID) is in the engine's image store. */
export async function imageExists(docker: DockerEngine, ref: string): Promise<boolean> {
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
export async function listNodeImages(docker: DockerEngine): Promise<NodeImageInfo[]> {
  let images: ImageSummary[];
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
  docker: DockerEngine;
  /** Acquires the host-wide build lock once per chain (only when something must be built). */
  lock(): Promise<void>;
  /** Engine architecture, as `docker version` says it. */
  arch(): Promise<string>;
  /** IDs replaced by this run, removed at the end when nothing uses them. */
  superseded: string[];
  /** Whether this run built anything (then stale build-stage images are looked for at the end). */
  built: boolean;
}

/** The images `targets` need, each once, parents first. */
export function imagesFor(targets: readonly NodeImageName[]): NodeImageName[] {
  const needed = new Set(targets.flatMap((t) => imageChain(t)));
  return NODE_IMAGE_NAMES.filter((n) => needed.has(n));
}

async function ensureChain(
  docker: DockerEngine,
  targets: readonly NodeImageName[],
  options: ChainOptions,
): Promise<ImageBuildResult[]> {
  for (const target of targets) {
    if (!isNodeImageName(target)) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown node image ${String(target)}`, {
        hint: `known images: ${NODE_IMAGE_NAMES.join(', ')}`,
      });
    }
  }
  if (options.variant !== undefined) {
    const problem = variantProblem(options.variant);
    if (problem !== undefined) throw new CloudtikError('ERR_CLOUDTIK_USAGE', problem);
    if (targets.length === 1 && targets[0] === 'cloudtik/debian') {
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
    built: false,
    lock: async () => {
      release ??= await acquireBuildLock(options.sink);
    },
    arch: () => (arch ??= docker.version().then((v) => v.Arch)),
  };
  const results: ImageBuildResult[] = [];
  const made = new Map<NodeImageName, ImageBuildResult>();
  try {
    for (const name of imagesFor(targets)) {
      if (name === 'cloudtik/debian' && ctx.variant !== undefined) {
        made.set(name, await variantOsImage(ctx, ctx.variant));
        continue;
      }
      const parentName = NODE_IMAGES[name].parent;
      const parent = parentName === undefined ? undefined : made.get(parentName);
      const result =
        name === 'cloudtik/debian' ? await ensureDebian(ctx) : await ensureDockerfileImage(ctx, name, parent);
      made.set(name, result);
      results.push(result);
    }
    await removeSuperseded(ctx);
    if (ctx.built) await removeStaleStages(ctx);
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

async function inspectImage(docker: DockerEngine, ref: string): Promise<ImageInspect | undefined> {
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
  info: ImageInspect,
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

/** The CA certificates of {@link hostCaCertificates}, as `host-ca/`; a marker keeps the folder present when there are none. */
async function hostCaFiles(): Promise<ContextFile[]> {
  return [{ name: 'host-ca/.keep', data: Buffer.from(''), mode: 0o644 }, ...(await hostCaCertificates())];
}

interface DockerfilePlan {
  files: ContextFile[];
  buildArgs: Record<string, string>;
}

/** The Dockerfile folder of an image, `docker/<folder>` in the package. */
export function imageFolder(name: NodeImageName): string {
  const folder = NODE_IMAGES[name].folder;
  if (folder === undefined) throw new Error(`${name} is not built from a Dockerfile`);
  return path.join(dockerDir(), folder);
}

async function planDockerfileImage(
  ctx: ChainContext,
  name: NodeImageName,
  parent: ImageBuildResult,
): Promise<DockerfilePlan> {
  const spec = NODE_IMAGES[name];
  const folder = imageFolder(name);
  let files: ContextFile[];
  let locked: Awaited<ReturnType<typeof readDownloadLock>>;
  try {
    files = await collectDirectory(folder);
    locked = await readDownloadLock(folder);
  } catch (err) {
    if (err instanceof CloudtikError) throw err;
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `cannot read the Dockerfile folder ${folder}: ${errorMessage(err)}`, {
      cause: err,
      hint: 'the docker/ folder ships with the cloudtik package; reinstall it',
    });
  }
  const packOptions = { sink: ctx.sink, signal: ctx.signal };
  const fetched = await fetchDownloads(locked, { label: name, ...packOptions });
  files.push(...fetched.map((f): ContextFile => ({ name: f.name, path: f.path, mode: 0o644, digest: f.sha256 })));
  const buildArgs: Record<string, string> = { ...versionArgs(spec) };
  if (spec.adds === 'node-runtime') {
    const runtime = await fetchNodeRuntime(await ctx.arch(), packOptions);
    files.push(
      { name: 'node', path: runtime.nodeBinary, mode: 0o755, digest: runtime.nodeDigest },
      { name: 'npm.tgz', path: runtime.npmTarball.path, mode: 0o644, digest: runtime.npmTarball.sha256 },
      ...(await hostCaFiles()),
    );
    return { files, buildArgs: { ...buildArgs, DEBIAN_IMAGE: parent.ref } };
  }
  if (spec.adds === 'cloudtik-package') {
    const tarball = await packCloudtik(packOptions);
    files.push({ name: 'cloudtik.tgz', path: tarball.path, mode: 0o644, digest: tarball.sha256 });
    buildArgs.CLOUDTIK_VERSION = packageInfo().version;
  }
  return { files, buildArgs: { ...buildArgs, BASE_IMAGE: parent.ref } };
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
  const current = (info: ImageInspect | undefined): info is ImageInspect =>
    info !== undefined && info.Config?.Labels?.[IMAGE_LABEL.hash] === hash;

  let existing = await inspectImage(ctx.docker, ref);
  if (current(existing) && !rebuild) {
    skipStep(ctx.sink, name, ref);
    return toResult(name, ref, existing, 'cached', t0);
  }
  await ctx.lock();
  existing = await inspectImage(ctx.docker, ref);
  if (current(existing) && !rebuild) return toResult(name, ref, existing, 'cached', t0);

  ctx.built = true;
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
      hint: `the lines above are the end of the build log; rerun with --verbose for all of it (docker/${NODE_IMAGES[req.name].folder ?? ''}/Dockerfile)`,
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

/**
 * The untagged images left by multi-stage builds (a stage that is not the final one, such as the
 * stage that builds pyspark's wheel) which no longer serve as build cache, and replaced final
 * images. A stage image inherits the labels of the image its stage was built FROM, so it is stale
 * once no tagged image carries that name and hash any more. Of the untagged images on a current
 * image, the newest stays (the next build of a changed Dockerfile reuses it); older ones are from
 * earlier versions of a Dockerfile. (A Dockerfile with two build stages on one image would lose the
 * cache of one of them: a slower build, nothing worse.)
 */
export function staleStageImages(images: readonly ImageSummary[]): string[] {
  const key = (labels: Record<string, string> | null | undefined): string =>
    `${labels?.[IMAGE_LABEL.image] ?? ''}\0${labels?.[IMAGE_LABEL.hash] ?? ''}`;
  const tagged = (image: ImageSummary): boolean => (image.RepoTags ?? []).some((t) => t !== '<none>:<none>');
  const current = new Set(images.filter(tagged).map((image) => key(image.Labels)));
  const kept = new Set<string>();
  const stale: string[] = [];
  const untagged = images
    .filter((image) => !tagged(image) && image.Labels?.[IMAGE_LABEL.image] !== undefined)
    .sort((a, b) => b.Created - a.Created);
  for (const image of untagged) {
    const k = key(image.Labels);
    if (current.has(k) && !kept.has(k)) kept.add(k);
    else stale.push(image.Id);
  }
  return stale;
}

/** Best effort, after a build: remove {@link staleStageImages} (images in use stay). */
async function removeStaleStages(ctx: ChainContext): Promise<void> {
  let images: ImageSummary[];
  try {
    images = await ctx.docker.listImages({ filters: { label: [IMAGE_LABEL.image] } });
  } catch (err) {
    logEvent(ctx.sink, 'debug', `listing images for stale build stages failed: ${errorMessage(err)}`);
    return;
  }
  for (const id of staleStageImages(images)) {
    try {
      await ctx.docker.getImage(id).remove();
      logEvent(ctx.sink, 'debug', `removed the stale build-stage image ${id.slice(0, 19)}`);
    } catch (err) {
      logEvent(ctx.sink, 'debug', `kept the build-stage image ${id.slice(0, 19)}: ${errorMessage(err)}`);
    }
  }
}
