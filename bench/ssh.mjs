#!/usr/bin/env node
// Exec round trip over SSH: the project's runner (system ssh, one shared connection per host)
// and the ssh2 library (one connection, an exec channel per command, the same remote command and
// stdin) against the floor `ssh host true` (a plain ssh, as a user types it), all in the same
// run, interleaved, on one fresh test host. Prints JSON and writes .bench/ssh.json.
// Usage: npm run build && node --import tsx bench/ssh.mjs [--runs N]
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { median, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--runs');
const RUNS = i >= 0 ? Number(args[i + 1]) : 21;

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-ssh-'));
process.env.CLOUDTIK_TEST_RUN ??= `bench${crypto.randomBytes(2).toString('hex')}`;
process.env.CLOUDTIK_HOME = dir; // the test key and the runner's sockets live here, removed at the end
const { startSshHosts } = await import(path.join(ROOT, 'test/ssh-hosts.ts'));
const { createSshRunner, remoteCommand } = await import(path.join(ROOT, 'dist/core/command/ssh.js'));
const { buildNodeScript } = await import(path.join(ROOT, 'dist/core/command/shell.js'));

/** Run a program to its end; its exit code. */
function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(code) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** An ssh2 connection to the host, or undefined when the library is not installed. */
async function ssh2Client(host) {
  let Client;
  try {
    ({ Client } = createRequire(import.meta.url)('ssh2'));
  } catch {
    return undefined;
  }
  // What loading the library costs a fresh process (here it is already loaded by the test helpers).
  const loadMs = Number(
    execFileSync(
      process.execPath,
      ['-e', "const t=performance.now();require('ssh2');console.log(performance.now()-t)"],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    ),
  );
  const client = new Client();
  const t0 = performance.now();
  await new Promise((resolve, reject) =>
    client
      .on('ready', resolve)
      .on('error', reject)
      .connect({ host: host.ip, port: host.port, username: host.user, privateKey: readFileSync(host.keyPath) }),
  );
  return { client, loadMs, connectMs: performance.now() - t0 };
}

/** One command through ssh2: the runner's remote command, the script on stdin. */
function ssh2Exec(client, script) {
  return new Promise((resolve, reject) =>
    client.exec(remoteCommand(false), (err, stream) => {
      if (err) return reject(err);
      stream.resume();
      stream.stderr.resume();
      stream.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`ssh2 exec exited ${code}`))));
      stream.on('close', resolve);
      stream.end(`${script}\0`);
    }),
  );
}

const hosts = await startSshHosts(1, 'bench-ssh');
try {
  const [host] = hosts.hosts;
  const knownHosts = path.join(dir, 'known_hosts');
  const plain = ['-i', host.keyPath, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`];
  const runner = createSshRunner({
    nodeId: host.ip,
    host: host.ip,
    user: host.user,
    privateKeyPath: host.keyPath,
    knownHostsPath: knownHosts,
    controlDir: path.join(dir, 'ctl'),
  });
  const tConnect = await timed(() => runner.run({ command: 'true' })); // first use: pins the key, opens the connection
  const ssh2 = await ssh2Client(host);
  const script = buildNodeScript({ command: 'true' });
  const samples = { floor: [], runner: [], ssh2: [] };
  for (let r = 0; r < RUNS; r++) {
    samples.floor.push(await timed(() => run('ssh', [...plain, `${host.user}@${host.ip}`, 'true'])));
    samples.runner.push(
      await timed(async () => {
        const res = await runner.run({ command: 'true' });
        if (res.exitCode !== 0) throw new Error(`runner exit ${res.exitCode}`);
      }),
    );
    if (ssh2) samples.ssh2.push(await timed(() => ssh2Exec(ssh2.client, script)));
  }
  ssh2?.client.end();
  await runner.close();
  const floor = median(samples.floor);
  const result = {
    runs: RUNS,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    floor_ssh_true_ms: Math.round(floor * 10) / 10,
    runner_first_use_ms: Math.round(tConnect),
    runner_exec_ms: Math.round(median(samples.runner) * 10) / 10,
    runner_ratio_to_floor: Math.round((median(samples.runner) / floor) * 100) / 100,
    ssh2_load_ms: ssh2 ? Math.round(ssh2.loadMs) : null,
    ssh2_connect_ms: ssh2 ? Math.round(ssh2.connectMs) : null,
    ssh2_exec_ms: ssh2 ? Math.round(median(samples.ssh2) * 10) / 10 : null,
    ssh2_ratio_to_floor: ssh2 ? Math.round((median(samples.ssh2) / floor) * 100) / 100 : null,
    goal: 'runner_ratio_to_floor <= 1.5',
  };
  console.log(JSON.stringify(result, null, 2));
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  await fs.writeFile(path.join(ROOT, '.bench', 'ssh.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await hosts.remove();
  await fs.rm(dir, { recursive: true, force: true });
}
