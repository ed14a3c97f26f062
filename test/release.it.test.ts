import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, docker, runProgram, tempDir, testRunId, type CliResult } from './helpers.js';

/**
 * The developer guide's release, step by step, against stand-ins on loopback that this file starts
 * and stops: a bare git repository as the remote, moto (S3 and CloudFront), two container registries
 * (global and PRC), verdaccio (npm) and a small HTTP server answering like GitHub's REST API.
 * Nothing here reaches beyond 127.0.0.1.
 */

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  link?: boolean;
  dev?: boolean;
}

type RunResult = CliResult;

const LOOPBACK_ENV: Record<string, string> = {
  NO_PROXY: '127.0.0.1,localhost',
  no_proxy: '127.0.0.1,localhost',
  CI: 'true',
  NO_COLOR: '1',
};

function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...LOOPBACK_ENV };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return runProgram(cmd, args, { cwd: options.cwd, env, timeoutMs: options.timeoutMs });
}

function describeRun(what: string, r: RunResult): string {
  return `${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

async function runOk(cmd: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(describeRun(`${cmd} ${args.join(' ')}`, r));
  return r;
}

/** Runs dev/<name> with bash, as the guide says. */
function dev(name: string, args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return run('bash', [path.join(ROOT, 'dev', name), ...args], { env });
}

async function devOk(name: string, args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const r = await dev(name, args, env);
  if (r.code !== 0) throw new Error(describeRun(`dev/${name} ${args.join(' ')}`, r));
  return r;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** `count` distinct free ports on 127.0.0.1 (all held open at once, then released). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

// ---- stand-in processes ----

interface StandIn {
  name: string;
  child: ChildProcess;
  log: string;
}

const standIns: StandIn[] = [];

async function startStandIn(
  name: string,
  cmd: string,
  args: string[],
  readyUrl: string,
  logDir: string,
): Promise<void> {
  const log = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(log, 'w');
  const child = spawn(cmd, args, {
    env: { ...process.env, ...LOOPBACK_ENV },
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  const standIn = { name, child, log };
  standIns.push(standIn);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited at start:\n${await fsp.readFile(log, 'utf8')}`);
    }
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${name} did not answer ${readyUrl} in 60 s:\n${await fsp.readFile(log, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopStandIn({ child }: StandIn): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// ---- a GitHub REST API stand-in ----

interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface FakeGitHub {
  server: http.Server;
  url: string;
  requests: RecordedRequest[];
  tags: Set<string>;
  releases: Map<string, number>;
}

async function startFakeGitHub(owner: string, repo: string): Promise<FakeGitHub> {
  const requests: RecordedRequest[] = [];
  const tags = new Set<string>();
  const releases = new Map<string, number>();
  let nextId = 7;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      const reply = (status: number, json: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const base = `/repos/${owner}/${repo}`;
      const address = server.address();
      const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && (m = new RegExp(`^${base}/git/ref/tags/(.+)$`).exec(url.pathname))) {
        const tag = decodeURIComponent(m[1] ?? '');
        if (tags.has(tag)) reply(200, { ref: `refs/tags/${tag}`, object: { type: 'tag', sha: '0'.repeat(40) } });
        else reply(404, { message: 'Not Found' });
      } else if (req.method === 'GET' && (m = new RegExp(`^${base}/releases/tags/(.+)$`).exec(url.pathname))) {
        const id = releases.get(decodeURIComponent(m[1] ?? ''));
        if (id === undefined) reply(404, { message: 'Not Found' });
        else reply(200, { id, html_url: `${origin}/${owner}/${repo}/releases/${id}` });
      } else if (req.method === 'POST' && url.pathname === `${base}/releases`) {
        const input = JSON.parse(body.toString()) as { tag_name: string };
        const id = nextId++;
        releases.set(input.tag_name, id);
        reply(201, {
          id,
          html_url: `${origin}/${owner}/${repo}/releases/tag/${input.tag_name}`,
          upload_url: `${origin}/uploads${base}/releases/${id}/assets{?name,label}`,
        });
      } else if (req.method === 'POST' && new RegExp(`^/uploads${base}/releases/\\d+/assets$`).test(url.pathname)) {
        reply(201, { name: url.searchParams.get('name'), size: body.length, state: 'uploaded' });
      } else {
        reply(404, { message: 'Not Found' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('fake GitHub has no address');
  return { server, url: `http://127.0.0.1:${address.port}`, requests, tags, releases };
}

// ---- registries ----

async function registryTags(port: number, repo: string): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${port}/v2/${repo}/tags/list`);
  if (res.status === 404) return [];
  const body = (await res.json()) as { tags?: string[] | null };
  return [...(body.tags ?? [])].sort();
}

async function registryCatalog(port: number): Promise<string[]> {
  const body = (await (await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).json()) as { repositories?: string[] };
  return [...(body.repositories ?? [])].sort();
}

/** The config digest of a pushed image: Docker's image ID of what was pushed. */
async function registryImageId(port: number, repo: string, tag: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/v2/${repo}/manifests/${tag}`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  expect(res.status, `${repo}:${tag} on port ${port}`).toBe(200);
  return ((await res.json()) as { config: { digest: string } }).config.digest;
}

async function localImage(ref: string): Promise<{ Id: string; RootFS: { Layers?: string[] } } | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch {
    return undefined;
  }
}

async function localTags(prefix: string): Promise<string[]> {
  const images = await docker.listImages();
  return images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(prefix));
}

// ---- S3 and CloudFront (moto), through test/release/aws.py ----

async function aws(python: string, endpoint: string, args: string[]): Promise<string> {
  return (await runOk(python, [path.join(ROOT, 'test', 'release', 'aws.py'), endpoint, ...args])).stdout.trim();
}

describe('the release, step by step, against local stand-ins', () => {
  const runId = testRunId();
  const owner = 'ctest';
  const ghRepo = 'cloudtik';
  const bucket = `cloudtik-${runId}`;
  const imageTag = `ctest-${runId}`;
  const cudaRepo = `ctest-${runId}-cuda`;
  const cudaStandIn = `${cudaRepo}:stand-in`;
  let work: string;
  let repo: string;
  let remote: string;
  let out: string;
  let version: string;
  let imageVersion: string;
  let mainCommit: string;
  let tools: Record<string, string>;
  let s3: string;
  let cdnId: string;
  let reg: number;
  let prcReg: number;
  let npmRegistry: string;
  let npmrc: string;
  let github: FakeGitHub;
  const gpuRefs: string[] = [];
  const keepGpuRefs = new Set<string>();

  const awsEnv = (): Record<string, string> => ({
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(work, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const npmEnv = (): Record<string, string> => ({ npm_config_registry: npmRegistry, npm_config_userconfig: npmrc });
  const git = (args: string[], cwd = repo): Promise<RunResult> => runOk('git', args, { cwd });
  /** release-docker.sh options: this run's tag, the global stand-in registry, the PRC region. */
  const tagAndRegion = (): string[] => ['--image-tag', imageTag, '--registry', `127.0.0.1:${reg}`, '--region', 'PRC'];
  /** ...and the PRC stand-in registry on the command line, plus nightly. */
  const bothRegistries = (): string[] => [...tagAndRegion(), '--prc-registry', `127.0.0.1:${prcReg}`, '--tag-nightly'];

  beforeAll(async () => {
    // Tools first (cached after the first run), then everything starts at once.
    const installed = await runOk('bash', [path.join(ROOT, 'test', 'release', 'stand-ins.sh'), 'install']);
    tools = Object.fromEntries(
      installed.stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    work = await tempDir(`release-${runId}`);
    const logs = path.join(work, 'logs');
    await fsp.mkdir(logs);
    const [s3Port, regPort, prcPort, npmPort] = (await freePorts(4)) as [number, number, number, number];
    s3 = `http://127.0.0.1:${s3Port}`;
    reg = regPort;
    prcReg = prcPort;
    npmRegistry = `http://127.0.0.1:${npmPort}/`;

    const registryConfig = async (name: string, port: number): Promise<string> => {
      const file = path.join(work, `${name}.yml`);
      await fsp.writeFile(
        file,
        [
          'version: 0.1',
          'log: { level: warn }',
          `storage: { filesystem: { rootdirectory: ${path.join(work, name)} }, delete: { enabled: true } }`,
          `http: { addr: "127.0.0.1:${port}", secret: ctest-${runId} }`,
          '',
        ].join('\n'),
      );
      return file;
    };
    const verdaccioConfig = path.join(work, 'verdaccio.yaml');
    await fsp.writeFile(
      verdaccioConfig,
      [
        `storage: ${path.join(work, 'verdaccio-storage')}`,
        `auth: { htpasswd: { file: ${path.join(work, 'verdaccio-htpasswd')}, max_users: 10 } }`,
        'uplinks: {}',
        "packages: { '**': { access: $all, publish: $authenticated, unpublish: $authenticated } }",
        'middlewares: { audit: { enabled: false } }',
        'log: { type: stdout, format: pretty, level: warn }',
        '',
      ].join('\n'),
    );
    const [regConfig, prcConfig] = await Promise.all([registryConfig('registry', reg), registryConfig('prc', prcReg)]);
    await Promise.all([
      startStandIn('moto', tools.MOTO_SERVER as string, ['-H', '127.0.0.1', '-p', String(s3Port)], `${s3}/`, logs),
      startStandIn(
        'registry',
        tools.DOCKER_REGISTRY as string,
        ['serve', regConfig],
        `http://127.0.0.1:${reg}/v2/`,
        logs,
      ),
      startStandIn(
        'prc',
        tools.DOCKER_REGISTRY as string,
        ['serve', prcConfig],
        `http://127.0.0.1:${prcReg}/v2/`,
        logs,
      ),
      startStandIn(
        'verdaccio',
        process.execPath,
        [tools.VERDACCIO as string, '--config', verdaccioConfig, '--listen', `127.0.0.1:${npmPort}`],
        `${npmRegistry}-/ping`,
        logs,
      ),
    ]);
    github = await startFakeGitHub(owner, ghRepo);

    // The git remote and a checkout of this project's last commit pushed to it.
    remote = path.join(work, 'remote.git');
    repo = path.join(work, 'repo');
    await runOk('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    await runOk('git', ['init', '-q', '-b', 'main', repo]);
    await git(['fetch', '-q', ROOT, 'HEAD']);
    await git(['checkout', '-q', '-B', 'main', 'FETCH_HEAD']);
    await git(['config', 'user.name', 'Release Test']);
    await git(['config', 'user.email', 'release-test@example.invalid']);
    await git(['config', 'commit.gpgSign', 'false']);
    await git(['config', 'tag.gpgSign', 'false']);
    // Every dependency in the lock gets a `resolved` URL on the loopback registry: npm then takes the
    // tarballs from its cache by integrity and needs no registry metadata, so `npm ci --offline`
    // works and a cache miss can only ask the stand-in, never the internet.
    const lockFile = path.join(repo, 'package-lock.json');
    const lock = JSON.parse(await fsp.readFile(lockFile, 'utf8')) as { packages: Record<string, LockEntry> };
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (!key.startsWith('node_modules/') || entry.link === true) continue;
      const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
      entry.resolved = `${npmRegistry}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    }
    await fsp.writeFile(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
    await git(['commit', '-q', '-am', 'Resolve dependencies through the loopback registry']);
    await git(['remote', 'add', 'origin', remote]);
    await git(['push', '-q', 'origin', 'main']);
    mainCommit = (await git(['rev-parse', 'HEAD'])).stdout.trim();
    version = (JSON.parse((await git(['show', 'HEAD:package.json'])).stdout) as { version: string }).version;
    imageVersion = (JSON.parse(await fsp.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    out = path.join(work, 'artifacts');

    // The bucket and the CDN distribution exist before a release, as they would.
    await aws(tools.PYTHON as string, s3, ['create-bucket', bucket]);
    cdnId = await aws(tools.PYTHON as string, s3, ['create-distribution']);

    // A publisher on the npm registry.
    const user = await fetch(`${npmRegistry}-/user/org.couchdb.user:ctest`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ctest', password: `ctest-${runId}` }),
    });
    const token = ((await user.json()) as { token: string }).token;
    npmrc = path.join(work, 'npmrc');
    await fsp.writeFile(npmrc, `//127.0.0.1:${npmPort}/:_authToken=${token}\n`);

    // The GPU variant builds on a "CUDA image": here the Debian image under another name.
    gpuRefs.push(`cloudtik/base:${imageVersion}-gpu`, `cloudtik/cloudtik:${imageVersion}-gpu`);
    for (const ref of gpuRefs) if (await localImage(ref)) keepGpuRefs.add(ref);
  }, 900_000);

  afterAll(async () => {
    github?.server.close();
    await Promise.all(standIns.map(stopStandIn));
    // Only what this file tagged: registry names, the CUDA stand-in, GPU images it built.
    const mine = [
      ...(reg ? await localTags(`127.0.0.1:${reg}/`) : []),
      ...(prcReg ? await localTags(`127.0.0.1:${prcReg}/`) : []),
      ...gpuRefs.filter((r) => !keepGpuRefs.has(r)).reverse(),
      cudaStandIn,
    ];
    for (const ref of mine)
      await docker
        .getImage(ref)
        .remove()
        .catch(() => undefined);
    if (work) await fsp.rm(work, { recursive: true, force: true });
  }, 120_000);

  it('step 1: release-branch pushes branch-<version> and the annotated tag v<version>; --revert deletes them', async () => {
    const branch = `branch-${version}`;
    const tag = `v${version}`;
    const remoteRefs = async (): Promise<string> => (await runOk('git', ['ls-remote', remote])).stdout;

    // A local main ahead of the remote's is refused.
    await git(['commit', '-q', '--allow-empty', '-m', 'not pushed']);
    const ahead = await dev('release-branch.sh', ['--repo', repo]);
    expect(ahead.code).toBe(1);
    expect(ahead.stderr).toMatch(/differs from main on origin/);
    await git(['reset', '-q', '--hard', mainCommit]);

    const created = await devOk('release-branch.sh', ['--repo', repo]);
    expect(lastLine(created.stdout)).toBe(tag);
    const refs = await remoteRefs();
    expect(refs).toContain(`${mainCommit}\trefs/heads/${branch}`);
    expect(refs).toContain(`refs/tags/${tag}`);
    expect((await runOk('git', ['cat-file', '-t', tag], { cwd: remote })).stdout.trim()).toBe('tag');
    expect((await runOk('git', ['rev-parse', `${tag}^{commit}`], { cwd: remote })).stdout.trim()).toBe(mainCommit);
    expect((await runOk('git', ['cat-file', '-p', tag], { cwd: remote })).stdout).toContain(`CloudTik ${version}`);

    const again = await dev('release-branch.sh', ['--repo', repo]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already there/);

    await devOk('release-branch.sh', ['--repo', repo, '--revert']);
    expect(await remoteRefs()).not.toMatch(new RegExp(`refs/(heads/${branch}|tags/${tag.replace(/\./g, '\\.')})`));
    expect((await run('git', ['rev-parse', '-q', '--verify', `refs/tags/${tag}`], { cwd: repo })).code).not.toBe(0);
    expect((await run('git', ['rev-parse', '-q', '--verify', `refs/heads/${branch}`], { cwd: repo })).code).not.toBe(0);

    // Created again for the next steps.
    await devOk('release-branch.sh', ['--repo', repo, '--branch', 'main']);
    expect(await remoteRefs()).toContain(`refs/heads/${branch}`);
  });

  it('dev loop: nightly-build packs a nightly version and copies it into the share folder', async () => {
    const share = path.join(work, 'share');
    const r = await devOk('nightly-build.sh', ['--no-build', '--copy', share, '--out', path.join(work, 'nightly')]);
    const name = `cloudtik-${imageVersion}-nightly.tgz`;
    expect(lastLine(r.stdout)).toBe(path.join(share, name));
    expect(r.stderr).toContain(`cloudtik_package_url: file:///cloudtik/data/share/${name}`);
    const packed = JSON.parse(
      (await runOk('tar', ['-xzOf', path.join(share, name), 'package/package.json'])).stdout,
    ) as { version: string };
    expect(packed.version).toMatch(new RegExp(`^${imageVersion.replace(/\./g, '\\.')}-nightly\\.\\d{14}$`));
    const files = (await runOk('tar', ['-tzf', path.join(work, 'nightly', name)])).stdout.split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/bin/cloudtik.js', 'package/dist/bin/main.js']));
    expect(sha256(await fsp.readFile(path.join(share, name)))).toBe(
      sha256(await fsp.readFile(path.join(work, 'nightly', name))),
    );
    // The working tree's package.json is left alone.
    expect(
      (JSON.parse(await fsp.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    ).toBe(imageVersion);
  });

  it('step 2: release.sh --no-push builds the artifacts from the branch and uploads nothing', async () => {
    const missing = await dev('release.sh', ['--repo', repo, '--branch', 'branch-99.0.0', '--no-push']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no branch branch-99\.0\.0/);

    // npm works from its cache only: the release build reaches no registry.
    const r = await devOk('release.sh', ['--repo', repo, '--branch', `branch-${version}`, '--out', out, '--no-push'], {
      ...awsEnv(),
      ...npmEnv(),
      npm_config_offline: 'true',
    });
    expect(lastLine(r.stdout)).toBe(out);
    const tarball = path.join(out, `cloudtik-${version}.tgz`);
    const sum = (await fsp.readFile(`${tarball}.sha256`, 'utf8')).trim();
    expect(sum).toBe(`${sha256(await fsp.readFile(tarball))}  cloudtik-${version}.tgz`);
    const packed = JSON.parse((await runOk('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as {
      version: string;
    };
    expect(packed.version).toBe(version);
    expect(await aws(tools.PYTHON as string, s3, ['objects', bucket])).toBe('{}');
  });

  it('step 2: release.sh uploads the artifacts to the bucket and invalidates the CDN path', async () => {
    const r = await devOk(
      'release.sh',
      [
        '--repo',
        repo,
        '--branch',
        `branch-${version}`,
        '--out',
        out,
        '--endpoint',
        s3,
        '--bucket',
        bucket,
        '--prefix',
        'downloads/cloudtik',
        '--cdn-distribution',
        cdnId,
        '--cdn-endpoint',
        s3,
      ],
      { ...awsEnv(), ...npmEnv(), npm_config_offline: 'true' },
    );
    expect(r.stderr).toMatch(/already in/); // the artifacts of --no-push, not built again
    const names = [`cloudtik-${version}.tgz`, `cloudtik-${version}.tgz.sha256`];
    const expected: Record<string, string> = {};
    for (const n of names) expected[`downloads/cloudtik/${n}`] = sha256(await fsp.readFile(path.join(out, n)));
    expect(JSON.parse(await aws(tools.PYTHON as string, s3, ['objects', bucket]))).toEqual(expected);
    const invalidated = await aws(tools.PYTHON as string, s3, ['invalidations', cdnId]);
    expect(JSON.parse(invalidated)).toEqual(['/downloads/cloudtik/*']);
  });

  it('step 3: --release-all covers every node image the CLI builds, parents first, in both registries', async () => {
    const r = await devOk('release-docker.sh', ['--release-all', '--list', ...bothRegistries()]);
    // The CLI the script builds with (dist/) says which images there are.
    const { NODE_IMAGE_NAMES, imageRef } = (await import(
      path.join(ROOT, 'dist', 'providers', 'virtual', 'images.js')
    )) as typeof import('../src/providers/virtual/images.js');
    const expected = NODE_IMAGE_NAMES.flatMap((name) => {
      const tags = name === 'cloudtik/debian' ? [imageRef(name).split(':')[1]] : [imageTag, 'nightly'];
      return tags.flatMap((tag) => [reg, prcReg].map((port) => `${imageRef(name)} 127.0.0.1:${port}/${name}:${tag}`));
    });
    expect(r.stdout.trim().split('\n')).toEqual(expected);
    const gpu = await devOk('release-docker.sh', ['--release-all', '--list', '--gpu', '--image-tag', imageTag]);
    expect(gpu.stdout.trim().split('\n')).toEqual(
      NODE_IMAGE_NAMES.filter((n) => n !== 'cloudtik/debian').map(
        (name) => `${imageRef(name, 'gpu')} ${name}:${imageTag}-gpu`,
      ),
    );
  });

  it('step 3: release-docker builds, tags and pushes images in dependency order to the global and PRC registries', async () => {
    // The images every cluster needs; the runtime images are released the same way.
    const r = await devOk('release-docker.sh', [
      '--release-cloudtik',
      '--release-debian',
      '--release-base',
      ...bothRegistries(),
      '--clean',
    ]);
    const pushed = r.stdout.trim().split('\n');
    const order = (name: string): number => pushed.findIndex((l) => l.includes(`/cloudtik/${name}:`));
    expect(order('debian')).toBeLessThan(order('base'));
    expect(order('base')).toBeLessThan(order('cloudtik'));
    for (const port of [reg, prcReg]) {
      expect(await registryCatalog(port)).toEqual(['cloudtik/base', 'cloudtik/cloudtik', 'cloudtik/debian']);
      expect(await registryTags(port, 'cloudtik/debian')).toEqual(['bookworm']);
      expect(await registryTags(port, 'cloudtik/base')).toEqual([imageTag, 'nightly'].sort());
      expect(await registryTags(port, 'cloudtik/cloudtik')).toEqual([imageTag, 'nightly'].sort());
      for (const [name, ref] of [
        ['debian', 'cloudtik/debian:bookworm'],
        ['base', `cloudtik/base:${imageVersion}`],
        ['cloudtik', `cloudtik/cloudtik:${imageVersion}`],
      ] as const) {
        const tag = name === 'debian' ? 'bookworm' : imageTag;
        expect(await registryImageId(port, `cloudtik/${name}`, tag), `${name} on ${port}`).toBe(
          (await localImage(ref))?.Id,
        );
      }
    }
    // --clean: the registry names are gone from the engine again.
    expect([...(await localTags(`127.0.0.1:${reg}/`)), ...(await localTags(`127.0.0.1:${prcReg}/`))]).toEqual([]);
  });

  it('step 3: --no-push only tags, --no-build uses the images as they are', async () => {
    const tag = `${imageTag}-local`;
    const r = await devOk('release-docker.sh', [
      '--release-base',
      '--no-build',
      '--no-push',
      '--image-tag',
      tag,
      '--registry',
      `127.0.0.1:${reg}`,
    ]);
    expect(r.stderr).not.toMatch(/building/);
    expect(await localTags(`127.0.0.1:${reg}/`)).toEqual([`127.0.0.1:${reg}/cloudtik/base:${tag}`]);
    expect((await localImage(`127.0.0.1:${reg}/cloudtik/base:${tag}`))?.Id).toBe(
      (await localImage(`cloudtik/base:${imageVersion}`))?.Id,
    );
    expect(await registryTags(reg, 'cloudtik/base')).not.toContain(tag);
    await docker.getImage(`127.0.0.1:${reg}/cloudtik/base:${tag}`).remove();

    const usage = await dev('release-docker.sh', ['--release-all', '--region', 'PRC'], {
      CLOUDTIK_PRC_REGISTRY: undefined,
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--prc-registry/);
  });

  it('step 3: --gpu builds on the configured CUDA image and pushes <tag>-gpu', async () => {
    await docker.getImage('cloudtik/debian:bookworm').tag({ repo: cudaRepo, tag: 'stand-in' });
    const absent = await dev('release-docker.sh', [
      '--release-base',
      '--gpu',
      '--no-push',
      '--cuda-image',
      `127.0.0.1:${reg}/nvidia/cuda:absent`,
    ]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/cannot pull 127\.0\.0\.1:\d+\/nvidia\/cuda:absent/);

    // The PRC registry from the environment this time.
    await devOk('release-docker.sh', ['--release-cloudtik', '--gpu', ...tagAndRegion(), '--clean'], {
      CLOUDTIK_CUDA_IMAGE: cudaStandIn,
      CLOUDTIK_PRC_REGISTRY: `127.0.0.1:${prcReg}`,
    });
    const cuda = await localImage(cudaStandIn);
    const baseGpu = await localImage(`cloudtik/base:${imageVersion}-gpu`);
    const gpu = await localImage(`cloudtik/cloudtik:${imageVersion}-gpu`);
    expect(baseGpu?.RootFS.Layers?.slice(0, cuda?.RootFS.Layers?.length)).toEqual(cuda?.RootFS.Layers);
    expect(gpu?.RootFS.Layers?.slice(0, baseGpu?.RootFS.Layers?.length)).toEqual(baseGpu?.RootFS.Layers);
    for (const port of [reg, prcReg]) {
      expect(await registryTags(port, 'cloudtik/cloudtik')).toEqual([imageTag, `${imageTag}-gpu`, 'nightly'].sort());
      // Only the image asked for is pushed; its parent was built but not released.
      expect(await registryTags(port, 'cloudtik/base')).toEqual([imageTag, 'nightly'].sort());
      expect(await registryImageId(port, 'cloudtik/cloudtik', `${imageTag}-gpu`)).toBe(gpu?.Id);
    }
  });

  it('step 4: release-npm checks and publishes the package; it installs from the registry', async () => {
    const tarball = path.join(out, `cloudtik-${version}.tgz`);
    const packument = async (): Promise<Response> => fetch(`${npmRegistry}cloudtik`);

    const dry = await devOk('release-npm.sh', ['--tarball', tarball, '--dry-run'], npmEnv());
    expect(dry.stderr).toMatch(/dry run: nothing published/);
    expect((await packument()).status).toBe(404);

    const r = await devOk('release-npm.sh', ['--tarball', tarball], npmEnv());
    expect(lastLine(r.stdout)).toBe(`cloudtik@${version}`);
    const doc = (await (await packument()).json()) as {
      'dist-tags': Record<string, string>;
      versions: Record<string, { dist: { integrity: string; tarball: string }; dependencies: Record<string, string> }>;
    };
    expect(doc['dist-tags'].latest).toBe(version);
    const meta = doc.versions[version];
    expect(meta?.dist.integrity).toBe(
      `sha512-${crypto
        .createHash('sha512')
        .update(await fsp.readFile(tarball))
        .digest('base64')}`,
    );

    const twice = await dev('release-npm.sh', ['--tarball', tarball], npmEnv());
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already published/);

    // Installed from the registry into a new project. Its lock takes cloudtik from the registry and
    // the dependencies as the release's own lock has them, from npm's cache (they resolve to the
    // registry stand-in, which has no upstream: nothing is fetched from beyond loopback).
    const project = path.join(work, 'consumer');
    await fsp.mkdir(project);
    const lock = JSON.parse((await git(['show', `branch-${version}:package-lock.json`])).stdout) as {
      packages: Record<string, LockEntry>;
    };
    const manifest = { name: 'consumer', version: '1.0.0', private: true, dependencies: { cloudtik: version } };
    const packages: Record<string, unknown> = { '': manifest };
    packages['node_modules/cloudtik'] = {
      version,
      resolved: meta?.dist.tarball,
      integrity: meta?.dist.integrity,
      dependencies: meta?.dependencies,
      bin: { cloudtik: 'bin/cloudtik.js' },
    };
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (key.startsWith('node_modules/') && entry.dev !== true) packages[key] = entry;
    }
    await fsp.writeFile(path.join(project, 'package.json'), JSON.stringify(manifest));
    await fsp.writeFile(
      path.join(project, 'package-lock.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }),
    );
    await runOk('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: project,
      env: npmEnv(),
    });
    const installed = await runOk(path.join(project, 'node_modules', '.bin', 'cloudtik'), ['--version'], {
      cwd: project,
    });
    expect(installed.stdout.trim()).toBe(version);
  });

  it('step 5: release-github --dry-run prints the exact requests and sends none', async () => {
    const r = await devOk(
      'release-github.sh',
      ['--repo', repo, '--tag', `v${version}`, '--github-repo', `${owner}/${ghRepo}`, '--assets', out, '--dry-run'],
      { CLOUDTIK_GITHUB_API: github.url, GITHUB_TOKEN: undefined },
    );
    expect(github.requests).toEqual([]);
    const base = `${github.url}/repos/${owner}/${ghRepo}`;
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^(GET|POST) /.test(l))).toEqual([
      `GET ${base}/git/ref/tags/v${version}`,
      `GET ${base}/releases/tags/v${version}`,
      `POST ${base}/releases`,
      `POST https://uploads.github.com/repos/${owner}/${ghRepo}/releases/{release_id}/assets?name=cloudtik-${version}.tgz`,
      `POST https://uploads.github.com/repos/${owner}/${ghRepo}/releases/{release_id}/assets?name=cloudtik-${version}.tgz.sha256`,
    ]);
    expect(r.stdout).toContain('  Authorization: Bearer ***');
    expect(r.stdout).toContain(`    "tag_name": "v${version}",`);
    expect(r.stdout).toContain('  X-GitHub-Api-Version: 2022-11-28');
  });

  it('step 5: release-github creates the release with notes and uploads the artifacts', async () => {
    const args = ['--repo', repo, '--tag', `v${version}`, '--github-repo', `${owner}/${ghRepo}`, '--assets', out];
    const noToken = await dev('release-github.sh', args, { CLOUDTIK_GITHUB_API: github.url, GITHUB_TOKEN: undefined });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/GITHUB_TOKEN is not set/);

    const token = `ctest-token-${runId}`;
    const env = { CLOUDTIK_GITHUB_API: github.url, GITHUB_TOKEN: token };
    // The tag is not on "GitHub" yet: refused before anything is created.
    const early = await dev('release-github.sh', args, env);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/not on GitHub/);
    github.requests.length = 0;
    github.tags.add(`v${version}`);

    const notes = path.join(work, 'notes.md');
    await fsp.writeFile(notes, `CloudTik ${version}: the release test's notes.\n`);
    const r = await devOk('release-github.sh', [...args, '--notes', notes], env);
    expect(lastLine(r.stdout)).toBe(`${github.url}/${owner}/${ghRepo}/releases/tag/v${version}`);

    const base = `/repos/${owner}/${ghRepo}`;
    const id = github.releases.get(`v${version}`);
    const assetNames = [`cloudtik-${version}.tgz`, `cloudtik-${version}.tgz.sha256`];
    expect(github.requests.map((q) => `${q.method} ${q.path}${q.query.size ? `?${q.query.toString()}` : ''}`)).toEqual([
      `GET ${base}/git/ref/tags/v${version}`,
      `GET ${base}/releases/tags/v${version}`,
      `POST ${base}/releases`,
      ...assetNames.map((n) => `POST /uploads${base}/releases/${id}/assets?name=${encodeURIComponent(n)}`),
    ]);
    for (const q of github.requests) {
      expect(q.headers.authorization).toBe(`Bearer ${token}`);
      expect(q.headers.accept).toBe('application/vnd.github+json');
      expect(q.headers['x-github-api-version']).toBe('2022-11-28');
      expect(q.headers['user-agent']).toBeTruthy();
    }
    const create = github.requests[2];
    expect(create?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(create?.body.toString() ?? '')).toEqual({
      tag_name: `v${version}`,
      name: `CloudTik ${version}`,
      body: `CloudTik ${version}: the release test's notes.\n`,
      draft: false,
      prerelease: version.includes('-'),
    });
    const uploads = github.requests.slice(3);
    expect(uploads.map((q) => q.headers['content-type'])).toEqual(['application/gzip', 'text/plain']);
    for (const [i, q] of uploads.entries()) {
      expect(sha256(q.body)).toBe(sha256(await fsp.readFile(path.join(out, assetNames[i] as string))));
    }

    // A second run finds the release and stops.
    const twice = await dev('release-github.sh', args, env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already has a release/);
  });
});
