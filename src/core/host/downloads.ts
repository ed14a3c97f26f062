import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../../config/env.js';
import { CloudtikError } from '../errors.js';
import { logEvent, timedStep, type EventSink } from '../events.js';
import { exists, hashFile } from './files.js';
import { findTool, runTool } from './process.js';

/**
 * Files a node image is built from that come from the internet (Hadoop jars from Maven Central,
 * pyspark from PyPI): each image folder under `docker/` may hold a `downloads.lock` written by the
 * `lock.sh` next to it, one `<sha256> <path in the build context> <source>` line per file. A source
 * is `maven:<path in a Maven repository>`, `pypi:<project>/<file>` or a plain URL; repository hosts
 * are never written down: Maven's come from CLOUDTIK_MAVEN_REPO or the installed Maven's own default,
 * PyPI's from PIP_INDEX_URL or pip's own default. The build
 * downloads what is not in the host cache yet (with curl, which honours the host's CA store and
 * proxy variables), checks every sha256, and hands the cached files to the build context. The
 * sha256 stands for the bytes in the image hash, so an unchanged lock costs no reading at all.
 */

/** The file name of a download lock inside an image folder. */
export const DOWNLOAD_LOCK_FILE = 'downloads.lock';

/** One line of a download lock. */
export interface LockedDownload {
  /** sha256 (hex, lower case) of the file's bytes. */
  sha256: string;
  /** Path inside the build context, `/`-separated, relative. */
  name: string;
  /** `maven:<repository path>`, `pypi:<project>/<file>`, or an http(s)/file URL. */
  url: string;
}

const SOURCE = /^(?:maven:[^\s/][^\s]*|pypi:[A-Za-z0-9._-]+\/[^\s/]+|(?:https?|file):\/\/\S+)$/;

function lockError(source: string, line: number, message: string): CloudtikError {
  return new CloudtikError('ERR_CLOUDTIK_IMAGE', `${source}:${line}: ${message}`, {
    hint: `regenerate it with the lock.sh next to it (${path.basename(path.dirname(source))}/lock.sh)`,
  });
}

/** Parses a download lock; `source` names the file in errors. Blank lines and `#` comments are skipped. */
export function parseDownloadLock(text: string, source: string): LockedDownload[] {
  const entries: LockedDownload[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const [sha256 = '', name = '', url = ''] = fields;
    if (fields.length !== 3)
      throw lockError(source, index + 1, `expected "<sha256> <path> <URL>", got ${fields.length} fields`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw lockError(source, index + 1, `"${sha256}" is not a sha256 in hex`);
    const parts = name.split('/');
    if (name.startsWith('/') || name.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw lockError(source, index + 1, `"${name}" is not a relative path inside the build context`);
    }
    if (!SOURCE.test(url))
      throw lockError(
        source,
        index + 1,
        `"${url}" is not maven:<path>, pypi:<project>/<file> or an http(s) or file URL`,
      );
    if (seen.has(name)) throw lockError(source, index + 1, `${name} is listed twice`);
    seen.add(name);
    entries.push({ sha256, name, url });
  });
  return entries;
}

/** Reads and parses `<folder>/downloads.lock`; an image folder without one has no downloads. */
export async function readDownloadLock(folder: string): Promise<LockedDownload[]> {
  const file = path.join(folder, DOWNLOAD_LOCK_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseDownloadLock(text, file);
}

/** Where the repositories are: answers that may need a look at the installed Maven and pip. */
export interface Repositories {
  /** Base URL of the Maven repository (no trailing slash). */
  maven(): Promise<string>;
  /** The URL of `file` of PyPI project `project`, from the package index. */
  pypi(project: string, file: string): Promise<string>;
}

/** The URL to fetch an entry from. */
export async function downloadUrl(entry: LockedDownload, repos: Repositories): Promise<string> {
  if (entry.url.startsWith('maven:')) return `${(await repos.maven()).replace(/\/+$/, '')}/${entry.url.slice(6)}`;
  if (entry.url.startsWith('pypi:')) {
    const [project = '', file = ''] = entry.url.slice(5).split('/');
    return repos.pypi(project, file);
  }
  return entry.url;
}

/** The file's URL from a package index's project page (the simple API): its href, made absolute. */
export function fileUrlFromIndexPage(page: string, pageUrl: string, file: string): string | undefined {
  for (const m of page.matchAll(/href="([^"]+)"/g)) {
    const href = (m[1] as string).replace(/&amp;/g, '&');
    const bare = href.replace(/#.*$/, '');
    if (bare === file || bare.endsWith(`/${file}`)) return new URL(bare, pageUrl).toString();
  }
  return undefined;
}

/** The super-POM's central repository URL in an installed Maven (`maven-model-builder-*.jar`). */
export function centralFromSuperPom(pom: string): string | undefined {
  const repos = /<repositories>([\s\S]*?)<\/repositories>/.exec(pom)?.[1] ?? '';
  return /<url>\s*(https?:\/\/[^<\s]+)\s*<\/url>/.exec(repos)?.[1];
}

/** The host's answers: the environment first, then what the installed Maven and pip default to. */
export function hostRepositories(signal?: AbortSignal): Repositories {
  let maven: Promise<string> | undefined;
  let index: Promise<string> | undefined;
  const python = (code: string, args: string[] = []): Promise<string> => {
    const py = findTool('python3');
    if (!py)
      throw new CloudtikError('ERR_CLOUDTIK_IMAGE', 'python3 is not on the PATH', { hint: 'apt-get install python3' });
    return runTool(py, ['-c', code, ...args], { signal }).then((r) => r.stdout.trim());
  };
  return {
    maven: () =>
      (maven ??= (async () => {
        const configured = env.mavenRepo();
        if (configured) return configured;
        const mvn = findTool('mvn');
        const home = mvn ? path.dirname(path.dirname(await fsp.realpath(mvn))) : undefined;
        const jar = home
          ? (await fsp.readdir(path.join(home, 'lib')).catch(() => [])).find((f) =>
              /^maven-model-builder.*\.jar$/.test(f),
            )
          : undefined;
        const pom = jar
          ? await python(
              'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("org/apache/maven/model/pom-4.0.0.xml").decode())',
              [path.join(home as string, 'lib', jar)],
            ).catch(() => '')
          : '';
        const url = centralFromSuperPom(pom);
        if (!url) {
          throw new CloudtikError('ERR_CLOUDTIK_IMAGE', 'cannot tell which Maven repository to download from', {
            hint: 'install Maven (apt-get install maven), or set CLOUDTIK_MAVEN_REPO to a Maven repository URL',
          });
        }
        return url;
      })()),
    pypi: async (project, file) => {
      index ??= (async () =>
        env.pipIndexUrl() ?? (await python('from pip._internal.models.index import PyPI; print(PyPI.simple_url)')))();
      const pageUrl = `${(await index).replace(/\/+$/, '')}/${project}/`;
      const curl = findTool('curl');
      if (!curl)
        throw new CloudtikError('ERR_CLOUDTIK_IMAGE', 'curl is not on the PATH', { hint: 'apt-get install curl' });
      const page = await runTool(curl, ['-fsSL', pageUrl], { signal });
      const url = fileUrlFromIndexPage(page.stdout, pageUrl, file);
      if (!url) {
        throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `${file} is not listed at ${pageUrl}`, {
          hint: 'PIP_INDEX_URL chooses another package index',
        });
      }
      return url;
    },
  };
}

function downloadsDir(): string {
  return path.join(env.imageCacheDir(), 'downloads');
}

/** Where an entry lives in the host cache: named by its sha256, so equal bytes are stored once. */
export function cachedDownloadPath(entry: LockedDownload): string {
  return path.join(downloadsDir(), `${entry.sha256}-${path.posix.basename(entry.name)}`);
}

export interface FetchDownloadsOptions {
  /** Names the files in the step title, e.g. `cloudtik/hadoop`. */
  label: string;
  /** Where the repositories are (default: {@link hostRepositories}). */
  repositories?: Repositories;
  sink: EventSink;
  signal?: AbortSignal;
}

/** A locked file in the cache: `name` is its path in the layer's folder (or build context). */
export interface FetchedFile {
  name: string;
  path: string;
  sha256: string;
}

/**
 * The cached files of `entries`, downloading the ones the host cache lacks. Every download
 * is checked against its sha256 before it enters the cache; a failed or wrong download fails the
 * build and leaves nothing behind (the good ones of the same batch are kept).
 */
export async function fetchDownloads(entries: LockedDownload[], opts: FetchDownloadsOptions): Promise<FetchedFile[]> {
  const missing: LockedDownload[] = [];
  for (const entry of entries) if (!(await exists(cachedDownloadPath(entry)))) missing.push(entry);
  if (missing.length > 0) {
    const title = `Download ${missing.length} file${missing.length === 1 ? '' : 's'} for ${opts.label}`;
    await timedStep(opts.sink, `image:download-${opts.label}`, title, () => download(missing, opts));
  }
  return entries.map((entry) => ({ name: entry.name, path: cachedDownloadPath(entry), sha256: entry.sha256 }));
}

/** curl's config-file syntax: a double-quoted string (JSON's escapes are a subset of curl's). */
function curlQuote(value: string): string {
  return JSON.stringify(value);
}

async function download(entries: LockedDownload[], opts: FetchDownloadsOptions): Promise<void> {
  const curl = findTool('curl');
  if (curl === undefined) {
    throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `curl is not on the PATH; it downloads the inputs of ${opts.label}`, {
      hint: 'apt-get install curl',
    });
  }
  const repos = opts.repositories ?? hostRepositories(opts.signal);
  const urls = await Promise.all(entries.map((e) => downloadUrl(e, repos)));
  const dir = downloadsDir();
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  await fsp.mkdir(tmp);
  try {
    const config = entries.flatMap((entry, i) => [
      `url = ${curlQuote(urls[i] as string)}`,
      `output = ${curlQuote(path.join(tmp, String(i)))}`,
    ]);
    const configFile = path.join(tmp, 'curl.conf');
    await fsp.writeFile(configFile, `${config.join('\n')}\n`);
    const first = urls[0] ?? '';
    logEvent(opts.sink, 'debug', `downloading ${entries.length} files for ${opts.label} (${first}, ...)`);
    const args = ['--fail', '--location', '--silent', '--show-error', '--retry', '3', '--connect-timeout', '30'];
    args.push('--parallel', '--parallel-max', '8', '--config', configFile);
    const result = await runTool(curl, args, { signal: opts.signal, tailLines: 20 });
    const problems: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const file = path.join(tmp, String(i));
      if (!(await exists(file))) {
        problems.push(`${entry.name}: not downloaded from ${urls[i]}`);
        continue;
      }
      const actual = await hashFile(file);
      if (actual !== entry.sha256) {
        problems.push(`${entry.name}: sha256 ${actual} from ${urls[i]}, the lock says ${entry.sha256}`);
        continue;
      }
      await fsp.rename(file, cachedDownloadPath(entry));
    }
    if (problems.length > 0) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_IMAGE',
        `downloading the inputs of ${opts.label} failed (${problems.length} of ${entries.length} files)`,
        {
          details: [...problems.slice(0, 20), ...result.tail.filter((l) => l.trim() !== '')],
          hint: `check that the URLs answer (curl -I <URL>); CLOUDTIK_MAVEN_REPO=<URL> and PIP_INDEX_URL=<URL> choose other repositories`,
        },
      );
    }
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
