import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../../version.js';
import { env } from '../../config/env.js';
import { CloudtikError } from '../errors.js';
import { logEvent, timedStep, type EventSink } from '../events.js';
import { collectDirectory, exists, hashFile } from './files.js';
import { findTool, runTool, toolError } from './process.js';
import { NODE_PACKAGE_ARCH, NODE_VERSION, NPM_VERSION } from './versions.js';

/** The cloudtik package this code runs from. */
export interface PackageInfo {
  /** Directory holding package.json (the repo root in development, the installed package otherwise). */
  root: string;
  name: string;
  version: string;
  /** package.json `files`, as written. */
  files: string[];
}

let cachedInfo: PackageInfo | undefined;

/**
 * Finds the package root by walking up from this module (works from `src/` under tsx/vitest and from
 * `dist/` when installed) to the first package.json named `cloudtik`.
 */
export function packageInfo(): PackageInfo {
  if (cachedInfo !== undefined) return cachedInfo;
  const root = packageRoot();
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    files?: string[];
  };
  cachedInfo = { root, name: pkg.name, version: pkg.version, files: pkg.files ?? [] };
  return cachedInfo;
}

/** The `docker/` folder of the package (Dockerfiles of the node images). */
export function dockerDir(): string {
  return path.join(packageInfo().root, 'docker');
}

/**
 * A content fingerprint of what `npm pack` would put in the tarball: package.json, the `files`
 * entries and the README/LICENSE/CHANGELOG npm always adds. It may see more than npm packs
 * (test files, maps), which only costs a needless re-pack.
 */
export async function fingerprintPackage(root: string, files: string[]): Promise<string> {
  const hash = crypto.createHash('sha256');
  const add = async (name: string, abs: string): Promise<void> => {
    hash.update(`${name}\0${await hashFile(abs)}\n`);
  };
  await add('package.json', path.join(root, 'package.json'));
  for (const entry of await fsp.readdir(root)) {
    if (/^(readme|license|licence|changelog)(\..*)?$/i.test(entry)) await add(entry, path.join(root, entry));
  }
  for (const pattern of [...files].sort()) {
    if (pattern.startsWith('!') || /[*?[]/.test(pattern)) continue;
    const abs = path.join(root, pattern);
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(abs);
    } catch {
      continue;
    }
    if (stat.isFile()) {
      await add(pattern, abs);
    } else if (stat.isDirectory()) {
      for (const file of await collectDirectory(abs, `${pattern}/`)) await add(file.name, file.path ?? '');
    }
  }
  return hash.digest('hex');
}

/** A tarball in the host cache, with the sha256 of its bytes. */
export interface CachedTarball {
  path: string;
  sha256: string;
}

function npmTool(): string {
  const npm = findTool('npm');
  if (npm === undefined) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_IMAGE',
      'npm is not on the PATH; it is needed to pack the node images’ inputs',
      {
        hint: 'install Node.js with npm (https://nodejs.org) and retry',
      },
    );
  }
  return npm;
}

/** Runs `npm pack <spec>` into `destDir` and returns the tarball's path. */
async function npmPack(spec: string, destDir: string, opts: { cwd: string; signal?: AbortSignal }): Promise<string> {
  await fsp.mkdir(destDir, { recursive: true });
  const args = ['pack', spec, '--json', '--ignore-scripts', '--pack-destination', destDir];
  const result = await runTool(npmTool(), args, { cwd: opts.cwd, signal: opts.signal });
  if (result.code !== 0) {
    throw toolError(result, {
      code: 'ERR_CLOUDTIK_IMAGE',
      what: `npm pack ${spec}`,
      command: `npm ${args.join(' ')}`,
      hint: 'check that the npm registry is reachable (npm ping) and retry',
    });
  }
  let filename: string | undefined;
  try {
    const parsed = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as { filename?: string }[];
    filename = parsed[0]?.filename;
  } catch {
    // handled below
  }
  if (filename === undefined) {
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `npm pack ${spec} printed no tarball name`, {
      details: result.stdout.trim().split('\n').slice(-10),
    });
  }
  // npm names scoped packages "scope-name-1.0.0.tgz" on disk while JSON may keep "@scope/"; take the basename.
  const file = path.join(destDir, path.basename(filename.replace(/^@/, '').replace('/', '-')));
  if (!(await exists(file))) throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `npm pack ${spec} did not write ${file}`);
  return file;
}

function scratchDir(base: string): string {
  return path.join(base, `.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
}

export interface PackOptions {
  sink: EventSink;
  signal?: AbortSignal;
}

/**
 * The npm tarball of this cloudtik package (its `dist/`, `bin/`, `docker/`), packed once per content
 * fingerprint into the host cache; an unchanged tree costs one hashing pass and no `npm pack`.
 */
export async function packCloudtik(opts: PackOptions): Promise<CachedTarball> {
  const info = packageInfo();
  if (!(await exists(path.join(info.root, 'dist')))) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_IMAGE',
      `${path.join(info.root, 'dist')} is missing: the cloudtik package is not built`,
      {
        hint: `run npm run build in ${info.root}`,
      },
    );
  }
  // bin/cloudtik.js runs the bundled CLI; without it the `cloudtik` command in the node image cannot start.
  for (const file of ['main.js', 'cli.cjs']) {
    if (!(await exists(path.join(info.root, 'dist', 'bin', file)))) {
      logEvent(
        opts.sink,
        'warn',
        `dist/bin/${file} is missing in ${info.root}: the cloudtik CLI in the node image will not start`,
      );
    }
  }
  const fingerprint = await fingerprintPackage(info.root, info.files);
  const dir = path.join(env.imageCacheDir(), 'cloudtik');
  const target = path.join(dir, `cloudtik-${info.version}-${fingerprint.slice(0, 16)}.tgz`);
  if (!(await exists(target))) {
    await timedStep(opts.sink, 'image:pack-cloudtik', `Pack cloudtik ${info.version} (npm pack)`, async () => {
      const tmp = scratchDir(dir);
      try {
        const packed = await npmPack('.', tmp, { cwd: info.root, signal: opts.signal });
        await fsp.rename(packed, target);
      } finally {
        await fsp.rm(tmp, { recursive: true, force: true });
      }
    });
    await pruneOld(dir, target, 4);
  }
  return { path: target, sha256: await hashFile(target) };
}

/** Keep the `keep` newest cloudtik tarballs (other checkouts may share the cache). */
async function pruneOld(dir: string, current: string, keep: number): Promise<void> {
  const entries = await Promise.all(
    (await fsp.readdir(dir))
      .filter((f) => f.startsWith('cloudtik-') && f.endsWith('.tgz'))
      .map(async (f) => ({ file: path.join(dir, f), mtime: (await fsp.stat(path.join(dir, f))).mtimeMs })),
  );
  entries.sort((a, b) => b.mtime - a.mtime);
  for (const old of entries.slice(keep)) if (old.file !== current) await fsp.rm(old.file, { force: true });
}

/** Node and npm for the base image, from the npm registry, cached on the host. */
export interface NodeRuntimeFiles {
  /** The `node` executable (extracted from `node-linux-<arch>`'s `package/bin/node`). */
  nodeBinary: string;
  /** Stands for the binary's content in the image hash: the sha256 of the npm tarball it came from. */
  nodeDigest: string;
  /** `npm-<version>.tgz` as packed from the registry. */
  npmTarball: CachedTarball;
}

interface PackedManifest {
  spec: string;
  /** Tarball name, relative to the manifest's folder (the cache may move). */
  file: string;
  sha256: string;
}

/** Packs under way in this process, by spec: concurrent installs of one start share one. */
const packing = new Map<string, Promise<CachedTarball>>();

/**
 * `npm pack <spec>` once into the cache; a manifest written last marks a complete entry. Each
 * writer uses its own temporary names, so processes filling one cache at once do not collide.
 */
function cachedRegistryPack(spec: string, label: string, opts: PackOptions): Promise<CachedTarball> {
  let pack = packing.get(spec);
  if (!pack) {
    pack = registryPack(spec, label, opts).finally(() => packing.delete(spec));
    packing.set(spec, pack);
  }
  return pack;
}

async function registryPack(spec: string, label: string, opts: PackOptions): Promise<CachedTarball> {
  const dir = path.join(env.imageCacheDir(), 'packages');
  const manifestFile = path.join(dir, `${spec.replace(/[@/]/g, '_')}.json`);
  try {
    const manifest = JSON.parse(await fsp.readFile(manifestFile, 'utf8')) as PackedManifest;
    const file = path.join(dir, path.basename(manifest.file));
    if (manifest.spec === spec && (await exists(file))) return { path: file, sha256: manifest.sha256 };
  } catch {
    // not cached yet
  }
  return timedStep(opts.sink, `image:pack-${label}`, `Fetch ${spec} from the npm registry`, async () => {
    const tmp = scratchDir(dir);
    try {
      const packed = await npmPack(spec, tmp, { cwd: dir, signal: opts.signal });
      const file = path.join(dir, path.basename(packed));
      await fsp.rename(packed, file);
      const sha256 = await hashFile(file);
      const manifest: PackedManifest = { spec, file: path.basename(file), sha256 };
      const written = path.join(tmp, 'manifest.json');
      await fsp.writeFile(written, JSON.stringify(manifest));
      await fsp.rename(written, manifestFile);
      return { path: file, sha256 };
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  });
}

/**
 * Node {@link NODE_VERSION} for the engine's architecture and npm {@link NPM_VERSION}, packed from the
 * npm registry with the host's npm; only the `node` binary is extracted so the image carries no
 * headers or docs.
 */
export async function fetchNodeRuntime(engineArch: string, opts: PackOptions): Promise<NodeRuntimeFiles> {
  const arch = NODE_PACKAGE_ARCH[engineArch];
  if (arch === undefined) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_IMAGE',
      `no Node package is known for the engine architecture ${engineArch}`,
      {
        hint: `supported: ${Object.keys(NODE_PACKAGE_ARCH).join(', ')}`,
      },
    );
  }
  const nodeSpec = `node-linux-${arch}@${NODE_VERSION}`;
  const nodeTarball = await cachedRegistryPack(nodeSpec, 'node', opts);
  const npmTarball = await cachedRegistryPack(`npm@${NPM_VERSION}`, 'npm', opts);
  const binDir = path.join(
    env.imageCacheDir(),
    'packages',
    `node-linux-${arch}-${NODE_VERSION}-${nodeTarball.sha256.slice(0, 12)}`,
  );
  const nodeBinary = path.join(binDir, 'node');
  if (!(await exists(nodeBinary))) {
    const tar = findTool('tar');
    if (tar === undefined)
      throw new CloudtikError('ERR_CLOUDTIK_IMAGE', 'tar is not on the PATH', { hint: 'apt-get install tar' });
    const tmp = scratchDir(path.dirname(binDir));
    try {
      await fsp.mkdir(tmp, { recursive: true });
      const result = await runTool(tar, ['-xzf', nodeTarball.path, '-C', tmp, 'package/bin/node'], {
        signal: opts.signal,
      });
      if (result.code !== 0) {
        throw toolError(result, {
          code: 'ERR_CLOUDTIK_IMAGE',
          what: `extracting bin/node from ${nodeTarball.path}`,
          command: `tar -xzf ${nodeTarball.path} -C ${tmp} package/bin/node`,
          hint: `delete ${path.dirname(nodeTarball.path)} and retry`,
        });
      }
      await fsp.mkdir(binDir, { recursive: true });
      await fsp.rename(path.join(tmp, 'package', 'bin', 'node'), nodeBinary);
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  }
  return { nodeBinary, nodeDigest: `${nodeSpec}:${nodeTarball.sha256}:package/bin/node`, npmTarball };
}
