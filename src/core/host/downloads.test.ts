import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudtikError } from '../errors.js';
import type { CoreEvent } from '../events.js';
import {
  cachedDownloadPath,
  centralFromSuperPom,
  downloadUrl,
  fetchDownloads,
  fileUrlFromIndexPage,
  parseDownloadLock,
  readDownloadLock,
  type LockedDownload,
} from './downloads.js';

const sha = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');
const A = 'a'.repeat(64);

describe('parseDownloadLock', () => {
  it('reads "<sha256> <path> <source>" lines and skips comments and blank lines', () => {
    const text = [
      '# generated',
      '',
      `${A} jars/x-1.jar maven:g/x/1/x-1.jar`,
      `  ${'b'.repeat(64)}\tpython/p-1.tar.gz   pypi:p/p-1.tar.gz  `,
      `${'c'.repeat(64)} other/y.bin https://files.example/y.bin`,
    ].join('\n');
    expect(parseDownloadLock(text, 'docker/x/downloads.lock')).toEqual([
      { sha256: A, name: 'jars/x-1.jar', url: 'maven:g/x/1/x-1.jar' },
      { sha256: 'b'.repeat(64), name: 'python/p-1.tar.gz', url: 'pypi:p/p-1.tar.gz' },
      { sha256: 'c'.repeat(64), name: 'other/y.bin', url: 'https://files.example/y.bin' },
    ]);
  });

  it.each([
    [`${A} jars/x.jar`, /line|3 fields|2 fields/],
    [`${'A'.repeat(64)} jars/x.jar https://h/x.jar`, /not a sha256/],
    [`${A.slice(1)} jars/x.jar https://h/x.jar`, /not a sha256/],
    [`${A} /etc/x.jar https://h/x.jar`, /relative path/],
    [`${A} jars/../x.jar https://h/x.jar`, /relative path/],
    [`${A} jars//x.jar https://h/x.jar`, /relative path/],
    [`${A} jars/x.jar ftp://h/x.jar`, /http\(s\) or file URL/],
    [`${A} jars/x.jar pypi:p`, /pypi:<project>\/<file>/],
    [`${A} jars/x.jar https://h/x.jar\n${A} jars/x.jar https://h/y.jar`, /listed twice/],
  ])('refuses %j with the file and line', (text, message) => {
    const err = (() => {
      try {
        parseDownloadLock(`# header\n${text}`, 'docker/x/downloads.lock');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(CloudtikError);
    expect((err as CloudtikError).message).toMatch(/^docker\/x\/downloads\.lock:[23]: /);
    expect((err as CloudtikError).message).toMatch(message);
    expect((err as CloudtikError).hint).toMatch(/x\/lock\.sh/);
  });
});

describe('downloadUrl', () => {
  const entry = (url: string): LockedDownload => ({ sha256: A, name: 'jars/x.jar', url });
  const repos = {
    maven: () => Promise.resolve('https://mirror.example/maven/'),
    pypi: (project: string, file: string) => Promise.resolve(`https://files.example/${project}/${file}`),
  };

  it('resolves repository paths against the repositories, and leaves URLs alone', async () => {
    expect(await downloadUrl(entry('maven:org/x/1/x-1.jar'), repos)).toBe(
      'https://mirror.example/maven/org/x/1/x-1.jar',
    );
    expect(await downloadUrl(entry('pypi:p/p-1.tar.gz'), repos)).toBe('https://files.example/p/p-1.tar.gz');
    expect(await downloadUrl(entry('https://h.example/x.jar'), repos)).toBe('https://h.example/x.jar');
  });

  it("finds a file in a package index's project page", () => {
    const page =
      '<a href="../../packages/aa/p-1.tar.gz#sha256=ff">p-1.tar.gz</a><a href="https://f.example/p-2.tar.gz">x</a>';
    expect(fileUrlFromIndexPage(page, 'https://i.example/simple/p/', 'p-1.tar.gz')).toBe(
      'https://i.example/packages/aa/p-1.tar.gz',
    );
    expect(fileUrlFromIndexPage(page, 'https://i.example/simple/p/', 'p-2.tar.gz')).toBe(
      'https://f.example/p-2.tar.gz',
    );
    expect(fileUrlFromIndexPage(page, 'https://i.example/simple/p/', 'p-3.tar.gz')).toBeUndefined();
  });

  it("reads the central repository from Maven's super-POM", () => {
    const pom =
      '<project><repositories><repository><id>central</id><url>https://central.example/maven2</url></repository></repositories><pluginRepositories><pluginRepository><url>https://other.example</url></pluginRepository></pluginRepositories></project>';
    expect(centralFromSuperPom(pom)).toBe('https://central.example/maven2');
    expect(centralFromSuperPom('<project/>')).toBeUndefined();
  });
});

describe('fetchDownloads', () => {
  let dir: string;
  let saved: string | undefined;

  beforeEach(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-downloads-'));
    saved = process.env.CLOUDTIK_IMAGE_CACHE;
    process.env.CLOUDTIK_IMAGE_CACHE = path.join(dir, 'cache');
    await fsp.mkdir(path.join(dir, 'remote'));
  });

  afterEach(async () => {
    if (saved === undefined) delete process.env.CLOUDTIK_IMAGE_CACHE;
    else process.env.CLOUDTIK_IMAGE_CACHE = saved;
    await fsp.rm(dir, { recursive: true, force: true });
  });

  async function remote(name: string, content: string): Promise<string> {
    const file = path.join(dir, 'remote', name);
    await fsp.writeFile(file, content);
    return `file://${file}`;
  }

  it('downloads what the cache lacks once, checks it, and names it by its sha256', async () => {
    const entries: LockedDownload[] = [
      { sha256: sha('one'), name: 'jars/one.jar', url: await remote('one.jar', 'one') },
      { sha256: sha('two'), name: 'python/two.whl', url: await remote('two.whl', 'two') },
    ];
    const events: CoreEvent[] = [];
    const files = await fetchDownloads(entries, { label: 'cloudtik/test', sink: (e) => events.push(e) });
    expect(files).toEqual([
      { name: 'jars/one.jar', path: cachedDownloadPath(entries[0]!), sha256: sha('one') },
      { name: 'python/two.whl', path: cachedDownloadPath(entries[1]!), sha256: sha('two') },
    ]);
    expect(await fsp.readFile(files[1]!.path, 'utf8')).toBe('two');
    expect(path.basename(files[0]!.path)).toBe(`${sha('one')}-one.jar`);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'step',
        state: 'done',
        title: expect.stringMatching(/Download 2 files for cloudtik\/test/) as unknown,
      }),
    );

    // Cached: the remote copy may go, nothing is fetched again.
    await fsp.rm(path.join(dir, 'remote'), { recursive: true });
    const again: CoreEvent[] = [];
    expect(await fetchDownloads(entries, { label: 'cloudtik/test', sink: (e) => again.push(e) })).toEqual(files);
    expect(again).toEqual([]);
  });

  it('fails on a wrong sha256 or a missing file, keeps the good ones and no scratch folder', async () => {
    const good: LockedDownload = { sha256: sha('good'), name: 'jars/good.jar', url: await remote('good.jar', 'good') };
    const wrong: LockedDownload = {
      sha256: sha('expected'),
      name: 'jars/bad.jar',
      url: await remote('bad.jar', 'other'),
    };
    const gone: LockedDownload = {
      sha256: sha('x'),
      name: 'jars/gone.jar',
      url: `file://${path.join(dir, 'nope.jar')}`,
    };
    const err = await fetchDownloads([good, wrong, gone], { label: 'cloudtik/test', sink: () => undefined }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloudtikError);
    const e = err as CloudtikError;
    expect(e.message).toMatch(/inputs of cloudtik\/test failed \(2 of 3 files\)/);
    expect(e.details.join('\n')).toMatch(/jars\/bad\.jar: sha256 .* the lock says/);
    expect(e.details.join('\n')).toMatch(/jars\/gone\.jar: not downloaded/);
    expect(e.hint).toMatch(/CLOUDTIK_MAVEN_REPO/);
    const cached = await fsp.readdir(path.join(dir, 'cache', 'downloads'));
    expect(cached).toEqual([path.basename(cachedDownloadPath(good))]);
  });
});

describe('readDownloadLock', () => {
  it('is empty for a folder without a lock', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-nolock-'));
    try {
      expect(await readDownloadLock(dir)).toEqual([]);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
