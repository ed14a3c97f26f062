/**
 * The SSH command runner against real sshd on test hosts (containers reached by IP, never
 * through Docker by the code under test).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner, type SshRunner, type SshTarget } from '../src/core/command/ssh.js';
import { knownHostsPath } from '../src/core/command/ssh-known-hosts.js';
import { HOSTILE_VALUES } from '../src/core/command/hostile.fixtures.js';
import { isCloudtikError } from '../src/core/errors.js';
import { docker, eventually, pauseContainer, runProgram, tempDir } from './helpers.js';
import { startSshHosts, type SshHost, type SshHosts } from './ssh-hosts.js';

const HOSTILE = HOSTILE_VALUES;

let hosts: SshHosts;
let host: SshHost;
let dir: string;
const runners: SshRunner[] = [];

/** A runner for `h` with this test's workspace known_hosts; closed after the tests. */
function runnerFor(h: SshHost, extra: Partial<SshTarget> = {}): SshRunner {
  const r = createSshRunner({
    nodeId: h.ip,
    host: h.ip,
    port: h.port,
    user: h.user,
    privateKeyPath: h.keyPath,
    knownHostsPath: knownHostsPath(path.join(dir, 'workspace')),
    connectTimeoutMs: 30_000,
    ...extra,
  });
  runners.push(r);
  return r;
}

/** The SSH error a promise rejects with (fails the test if it resolves or throws something else). */
async function sshError(p: Promise<unknown>): Promise<{ message: string; hint: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isCloudtikError(err)) throw new Error(`expected an SSH error, got ${String(err)}`);
  expect(err.code).toBe('ERR_CLOUDTIK_SSH');
  return { message: err.message, hint: err.hint ?? '' };
}

beforeAll(async () => {
  dir = await tempDir('ssh-it');
  hosts = await startSshHosts(2, 'sh-ssh');
  host = hosts.hosts[0] as SshHost;
}, 600_000);

afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
  await hosts?.remove();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('ssh runner: commands', () => {
  it('streams output and returns exit codes', async () => {
    const r = runnerFor(host);
    const chunks: string[] = [];
    const res = await r.run({ command: 'echo out; echo err >&2; exit 3', onStdout: (c) => chunks.push(c) });
    expect(res).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(chunks.join('')).toBe('out\n');
    expect((await r.run({ command: 'whoami; hostname -I' })).stdout).toBe(`${host.user}\n${host.ip} \n`);
  });

  it('echoes hostile values back exactly, as env and as arguments', async () => {
    const r = runnerFor(host);
    const env = Object.fromEntries(HOSTILE.map((v, i) => [`V${i}`, v]));
    const res = await r.run({
      env,
      command: `for i in $(seq 0 ${HOSTILE.length - 1}); do n=V$i; printf '%s\\0' "\${!n}"; done`,
    });
    expect(res.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    const viaStdin = await r.run({ command: 'cat', stdin: fs.createReadStream('/dev/null') });
    expect(viaStdin).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(await hosts.rootShell(host, 'ls /tmp/cloudtik-pwned 2>/dev/null')).toMatchObject({ code: 2 });
  });

  it('keeps env values out of every process list, on the host and here', async () => {
    const r = runnerFor(host);
    const secret = `s3cr3t-${Date.now()}`;
    const running = r.run({ command: 'echo started; sleep 3', env: { CLOUDTIK_TEST_SECRET: secret } });
    running.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    // While the command runs: the host's and this machine's process lists.
    await new Promise((res) => setTimeout(res, 1500));
    const onHost = await hosts.rootShell(host, 'ps -eo args');
    const here = await runProgram('ps', ['-eo', 'args']);
    expect(onHost.stdout).toContain('sleep 3');
    expect(onHost.stdout).not.toContain(secret);
    expect(here.stdout).toContain(host.ip);
    expect(here.stdout).not.toContain(secret);
    expect(await running).toMatchObject({ exitCode: 0, stdout: 'started\n' });
  });

  it('stops an interrupted command on the host', async () => {
    const abort = new AbortController();
    const r = runnerFor(host);
    const running = r.run({
      command: 'echo go; sleep 41; echo not reached',
      signal: abort.signal,
      onStdout: () => abort.abort(),
    });
    await expect(running).rejects.toThrow(/interrupted/);
    const left = await hosts.rootShell(host, 'pgrep -f "sleep 41"');
    expect(left).toMatchObject({ code: 1, stdout: '' });
  });

  it('runs asRoot commands through sudo', async () => {
    const res = await runnerFor(host).run({ command: 'id -u; whoami; pwd', asRoot: true });
    expect(res).toEqual({ exitCode: 0, stdout: '0\nroot\n/\n', stderr: '' });
  });
});

describe('ssh runner: files', () => {
  it('uploads files and folders with rsync-like naming, owned by the user', async () => {
    const r = runnerFor(host);
    const src = path.join(dir, 'src');
    await fsp.mkdir(path.join(src, 'sub'), { recursive: true });
    await fsp.writeFile(path.join(src, 'a.txt'), 'A\n');
    await fsp.writeFile(path.join(src, 'sub', "it's b.txt"), 'B\n');
    await r.upload(src, '~/copy');
    await r.upload(`${src}/`, '~/contents');
    await r.upload(path.join(src, 'a.txt'), '/opt/cloudtik-test/renamed.txt');
    const res = await r.run({
      command:
        'cd ~ && find copy contents -type f | sort; cat /opt/cloudtik-test/renamed.txt; stat -c %U /opt/cloudtik-test/renamed.txt',
    });
    expect(res.stdout).toBe(
      ['contents/a.txt', "contents/sub/it's b.txt", 'copy/a.txt', "copy/sub/it's b.txt", 'A', host.user, ''].join('\n'),
    );
  });

  it('downloads files and folders, and says when the source is missing', async () => {
    const r = runnerFor(host);
    await r.run({ command: 'mkdir -p ~/out/deep && echo one > ~/out/one && echo two > ~/out/deep/two' });
    const into = path.join(dir, 'into');
    await fsp.mkdir(into);
    await r.download('~/out', into);
    await r.download('~/out/one', path.join(dir, 'one-renamed'));
    await r.download('~/out', path.join(dir, 'out-renamed'));
    expect(await fsp.readFile(path.join(into, 'out', 'deep', 'two'), 'utf8')).toBe('two\n');
    expect(await fsp.readFile(path.join(dir, 'one-renamed'), 'utf8')).toBe('one\n');
    expect(await fsp.readFile(path.join(dir, 'out-renamed', 'one'), 'utf8')).toBe('one\n');
    await expect(r.download('~/missing', path.join(dir, 'missing'))).rejects.toThrow(/cannot read ~\/missing on/);
  });
});

describe('ssh runner: host keys and failures', () => {
  it('trusts a host key on first use, then pins it; a changed key is refused with a hint', async () => {
    const h = hosts.hosts[1] as SshHost;
    const file = path.join(dir, 'pin', 'known_hosts');
    expect(fs.existsSync(file)).toBe(false);
    const first = runnerFor(h, { knownHostsPath: file });
    expect((await first.run({ command: 'echo hi' })).stdout).toBe('hi\n');
    const pinned = await fsp.readFile(file, 'utf8');
    expect(pinned.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${h.ip.replace(/\./g, '\\.')} ssh-`)),
    ]);
    await first.close();
    // Same key again: passes on a new connection, nothing added.
    expect((await runnerFor(h, { knownHostsPath: file }).run({ command: 'echo again' })).stdout).toBe('again\n');
    expect(await fsp.readFile(file, 'utf8')).toBe(pinned);
    await Promise.all(runners.map((r) => r.close()));
    await hosts.newHostKeys(h);
    const e = await sshError(runnerFor(h, { knownHostsPath: file }).run({ command: 'echo no' }));
    expect(e.message).toBe(
      `host ${h.ip}:22: host key changed since it was pinned in ${file} line 1; refusing to connect`,
    );
    expect(e.hint).toContain(`ssh-keygen -f ${file} -R ${h.ip}`);
    expect(await fsp.readFile(file, 'utf8')).toBe(pinned);
  });

  it('says a wrong key is a permission problem', async () => {
    const wrong = path.join(dir, 'wrong_key');
    const kg = await runProgram('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    expect(kg.code).toBe(0);
    const e = await sshError(runnerFor(host, { privateKeyPath: wrong }).run({ command: 'true' }));
    expect(e.message).toBe(
      `permission denied (publickey,password) for ubuntu@${host.ip}:22; check auth.ssh_private_key`,
    );
    expect(e.hint).toContain(`try: ssh -i ${wrong} -p 22 ubuntu@${host.ip}`);
  });

  it('says a closed port is refused, within the deadline', async () => {
    const t0 = Date.now();
    const e = await sshError(runnerFor(host, { port: 2222, connectTimeoutMs: 3000 }).run({ command: 'true' }));
    const took = Date.now() - t0;
    expect(e.message).toMatch(new RegExp(`^host ${host.ip.replace(/\./g, '\\.')}:2222: connection refused after \\d`));
    expect(e.hint).toContain(`try: ssh -i ${host.keyPath} -p 2222 ubuntu@${host.ip}`);
    expect(took).toBeGreaterThanOrEqual(3000);
    expect(took).toBeLessThan(3000 + 2000);
  });
});

/** Drive `argv` in a real pseudo-terminal (python3's pty module), typing `input`; all it printed. */
function inPty(argv: string[], input: string): Promise<{ code: number; out: string }> {
  const py = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
time.sleep(1.0)
os.write(fd, sys.stdin.read().encode())
out = b''
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`;
  return runProgram('python3', ['-c', py, ...argv], { input, timeoutMs: 60_000 }).then((r) => ({
    code: r.code,
    out: r.stdout,
  }));
}

describe('ssh runner: a host that does not answer', () => {
  it('says it timed out, within the deadline', async () => {
    const container = docker.getContainer(host.containerId);
    await pauseContainer(container);
    try {
      // Its own known_hosts: a connection of its own, not the one the other tests opened.
      const r = runnerFor(host, { knownHostsPath: path.join(dir, 'frozen', 'known_hosts'), connectTimeoutMs: 3000 });
      const t0 = Date.now();
      const e = await sshError(r.run({ command: 'true' }));
      const took = Date.now() - t0;
      expect(e.message).toMatch(
        new RegExp(`^host ${host.ip.replace(/\./g, '\\.')}:22: no SSH answer after \\d+(\\.\\d)? s \\(timed out\\)$`),
      );
      expect(e.hint).toContain(`try: ssh -i ${host.keyPath} -p 22 ubuntu@${host.ip}`);
      expect(took).toBeGreaterThanOrEqual(3000);
      expect(took).toBeLessThan(3000 + 2000);
    } finally {
      await container.unpause();
    }
  });
});

describe('ssh runner: attach', () => {
  it('opens a shell on the host in a real terminal', async () => {
    const argv = runnerFor(host).interactiveShellArgv();
    const r = await inPty(argv, 'tty; echo "at-$(hostname -I)-$((6*7))"; exit\n');
    expect(r.out).toMatch(/\/dev\/pts\/\d+/);
    expect(r.out).toContain(`at-${host.ip} -42`);
    expect(r.code).toBe(0);
  });

  it('forwards a local port to the same port on the host', async () => {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    // Something listening on the host's port: a second sshd (its banner is easy to read).
    expect((await hosts.rootShell(host, `/usr/sbin/sshd -p ${port}`)).code).toBe(0);
    const argv = runnerFor(host).interactiveShellArgv('sleep 6', { forwardPorts: [port] });
    const session = inPty(argv, '');
    const banner = await eventually('the forwarded port answers', 5000, () => readBanner(port), { everyMs: 200 });
    expect(banner).toMatch(/^SSH-2\.0-OpenSSH/);
    expect((await session).code).toBe(0);
  });
});

/** The first line a TCP server on this machine's `port` sends. */
function readBanner(port: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(2000, () => socket.destroy(new Error('no banner')));
    socket.once('data', (b) => {
      socket.destroy();
      resolve(b.toString().split('\r\n')[0]);
    });
    socket.once('error', reject);
  });
}
