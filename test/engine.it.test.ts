/**
 * The Docker Engine API client (src/providers/virtual/engine.ts) against the real engine: over its
 * socket and over `ssh HOST docker system dial-stdio` (an `ssh` on PATH that runs the dial-stdio
 * command here), containers, attached execs with stdin, archives, errors, and a process that ends
 * once its calls are done.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDockerStatus } from '../src/providers/virtual/docker-client.js';
import { DockerExecRunner } from '../src/providers/virtual/docker-runner.js';
import { DockerEngine, DockerEngineError, type Container } from '../src/providers/virtual/engine.js';
import { execInContainer, ROOT, runProgram, TEST_PREFIX, testRunId } from './helpers.js';

const SOCKET = { socketPath: '/var/run/docker.sock' };
const IMAGE = 'cloudtik/debian:bookworm';

describe('DockerEngine', () => {
  const engine = new DockerEngine(SOCKET);
  const name = `${TEST_PREFIX}${testRunId()}-engine`;
  let container: Container;
  let sshBin: string;

  beforeAll(async () => {
    await engine
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
    container = await engine.createContainer({
      name,
      Image: IMAGE,
      Cmd: ['sleep', 'infinity'],
      Labels: { 'cloudtik-workspace-name': `${TEST_PREFIX}${testRunId()}-engine` },
      HostConfig: { Init: true },
    });
    await container.start();
    // An ssh that reaches "any host" by running the remote command here.
    sshBin = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-ssh-'));
    fs.writeFileSync(
      path.join(sshBin, 'ssh'),
      '#!/bin/sh\necho "$*" >> "$(dirname "$0")/calls"\nwhile [ "$1" != "--" ]; do shift; done\nshift 2\nexec "$@"\n',
      { mode: 0o755 },
    );
  });

  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => undefined);
    if (sshBin) fs.rmSync(sshBin, { recursive: true, force: true });
  });

  it('answers version and info, and lists the container by label', async () => {
    const version = await engine.version();
    expect(version.ApiVersion).toMatch(/^1\.\d+$/);
    const info = await engine.info();
    expect(info.NCPU).toBe(os.cpus().length);
    const listed = await engine.listContainers({ filters: { name: [name] } });
    expect(listed.map((c) => c.Names[0])).toEqual([`/${name}`]);
    const inspected = await container.inspect();
    expect(inspected.State.Running).toBe(true);
  });

  it('runs execs attached: stdout and stderr apart, the exit code, stdin', async () => {
    const r = await execInContainer(container, [
      'bash',
      '-c',
      'echo out; echo err >&2; head -c 100000 /dev/zero | tr "\\0" x; exit 3',
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('err\n');
    expect(r.stdout.startsWith('out\n')).toBe(true);
    expect(r.stdout.length).toBe(4 + 100_000);
    const echoed = await execInContainer(container, ['bash', '-c', 'tr a-z A-Z'], { input: 'hello through stdin\n' });
    expect(echoed).toEqual({ stdout: 'HELLO THROUGH STDIN\n', stderr: '', code: 0 });
  });

  it('copies files in and out as tar archives (through the node runner)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-engine-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.txt'), 'alpha\n');
      const runner = new DockerExecRunner(engine, name, 'root');
      await runner.upload(path.join(dir, 'a.txt'), '/tmp/copied.txt');
      expect((await runner.run({ command: 'cat /tmp/copied.txt' })).stdout).toBe('alpha\n');
      await runner.download('/tmp/copied.txt', path.join(dir, 'back.txt'));
      expect(fs.readFileSync(path.join(dir, 'back.txt'), 'utf8')).toBe('alpha\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps a command's env values out of the process lists, in the node and on the Docker host", async () => {
    const runner = new DockerExecRunner(engine, name, 'root');
    const secret = `s3cr3t-${Date.now()}`;
    const running = runner.run({ command: 'echo started; sleep 3', env: { CLOUDTIK_TEST_SECRET: secret } });
    running.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    await new Promise((res) => setTimeout(res, 1500));
    // (The image has no ps: the command lines straight from /proc.)
    const inNode = (await runner.run({ command: "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' <\"$f\"; echo; done" }))
      .stdout;
    const onHost = (await runProgram('ps', ['-eo', 'args'])).stdout;
    expect(inNode).toContain('sleep 3');
    expect(inNode).not.toContain(secret);
    expect(onHost).toContain('sleep 3');
    expect(onHost).not.toContain(secret);
    expect(await running).toMatchObject({ exitCode: 0, stdout: 'started\n' });
    // The command's own stdin still follows the script.
    const echoed = await runner.run({ command: 'cat', stdin: Readable.from(['from stdin\n']) });
    expect(echoed).toMatchObject({ exitCode: 0, stdout: 'from stdin\n' });
  });

  it('prepares as root and runs the command as the user it made, in one exec, as an exec as that user would', async () => {
    const runner = new DockerExecRunner(engine, name, 'tester');
    const prelude = 'id -u tester >/dev/null 2>&1 || useradd -m -s /bin/bash tester; echo made';
    const show = 'echo "$(id -un) $HOME $(pwd) $(ulimit -Sn)"; cat';
    const input = () => Readable.from(['its input\n']);
    const first = await runner.run({ command: show, prelude, stdin: input() });
    expect(first).toMatchObject({ exitCode: 0, prepared: true, stderr: 'made\n' });
    // The same as a plain exec as that user (now that it exists): user, home, folder, input.
    const plain = await runner.run({ command: show, stdin: input() });
    // The open-files limit of a Docker exec, not the 1024 a PAM session (runuser, su) would set.
    expect(plain.stdout).toMatch(/^tester \/home\/tester \/ (\d+)\nits input\n$/);
    expect(Number(/ (\d+)\n/.exec(plain.stdout)?.[1])).toBeGreaterThan(1024);
    expect(first.stdout).toBe(plain.stdout);

    const failed = await runner.run({ command: 'echo never', prelude: 'echo "no disk" >&2; exit 5' });
    expect(failed).toMatchObject({ exitCode: 5, prepared: false, stdout: '', stderr: 'no disk\n' });
  });

  it("rejects with the engine's status and message", async () => {
    const err = await engine
      .getContainer(`${name}-missing`)
      .inspect()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerEngineError);
    expect(isDockerStatus(err, 404)).toBe(true);
    expect((err as Error).message).toMatch(/no such container/i);
    const started = await container.start().catch((e: unknown) => e);
    expect(isDockerStatus(started, 304)).toBe(true);
    const bad = await engine.createContainer({ name, Image: IMAGE }).catch((e: unknown) => e);
    expect(isDockerStatus(bad, 409)).toBe(true);
    expect((bad as Error).message).toMatch(/already in use/);
  });

  it('reaches the engine through ssh and docker system dial-stdio', async () => {
    const saved = process.env.PATH;
    process.env.PATH = `${sshBin}:${saved ?? ''}`;
    try {
      const remote = new DockerEngine({ ssh: { host: 'engine-host', port: 2222, username: 'someone' } });
      expect((await remote.version()).ApiVersion).toBe((await engine.version()).ApiVersion);
      const r = await execInContainer(remote.getContainer(name), ['bash', '-c', 'cat; echo done >&2'], {
        input: 'via ssh\n',
      });
      expect(r).toEqual({ stdout: 'via ssh\n', stderr: 'done\n', code: 0 });
      const missing = await remote
        .getImage('cloudtik/never:never')
        .inspect()
        .catch((e: unknown) => e);
      expect(isDockerStatus(missing, 404)).toBe(true);
    } finally {
      process.env.PATH = saved;
    }
    const calls = fs.readFileSync(path.join(sshBin, 'calls'), 'utf8').trim().split('\n');
    expect(calls[0]).toBe('-o BatchMode=yes -p 2222 -l someone -- engine-host docker system dial-stdio');
  });

  it('sends a stream body (image import) and reads the progress stream', async () => {
    // A one-file root file system.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-engine-rootfs-'));
    const ref = `${TEST_PREFIX}engine-import:${testRunId()}`;
    try {
      fs.writeFileSync(path.join(dir, 'hello'), 'hi\n');
      const tar = spawnSync('tar', ['-C', dir, '-c', '.']);
      const progress = await engine.importImage(Readable.from([tar.stdout]), {
        repo: ref.split(':')[0]!,
        tag: ref.split(':')[1]!,
        changes: ['ENV A=1', 'CMD ["/hello"]'],
      });
      let text = '';
      for await (const chunk of progress) text += String(chunk);
      expect(text).toMatch(/sha256:[0-9a-f]{64}/);
      const image = await engine.getImage(ref).inspect();
      expect(image.Config?.Env).toContain('A=1');
    } finally {
      await engine
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not keep its process alive once the calls are done', () => {
    const script = `import { DockerEngine } from ${JSON.stringify(path.join(ROOT, 'dist/providers/virtual/engine.js'))};
const e = new DockerEngine({ socketPath: '/var/run/docker.sock' });
await e.version(); await e.listContainers({ all: true }); console.log('done');`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim()).toBe('done');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
