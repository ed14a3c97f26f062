/**
 * Docker on hosts reached over SSH, the pieces `docker.enabled` on listed and pooled hosts builds
 * on: a host with no engine gets Debian's docker.io, and a node image is sent from this machine's
 * engine once. The host is a test host that may run an engine; nothing of Docker is on it before.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner, type SshRunner } from '../src/core/command/ssh.js';
import { knownHostsPath } from '../src/core/command/ssh-known-hosts.js';
import { ensureHostEngine, hostEngine, shipImage } from '../src/providers/local/host-docker.js';
import { packageInfo } from '../src/core/host/package.js';
import { connectDocker } from '../src/providers/virtual/docker-client.js';
import { execInContainer, tempDir } from './helpers.js';
import { startSshHosts, type SshHosts } from './ssh-hosts.js';

let hosts: SshHosts;
let runner: SshRunner;
const IMAGE = `cloudtik/cloudtik:${packageInfo().version}`;

describe('Docker on a host reached over SSH', () => {
  beforeAll(async () => {
    hosts = await startSshHosts(1, 'hostdocker', { docker: true });
    const h = hosts.hosts[0]!;
    const dir = await tempDir('hostdocker');
    runner = createSshRunner({
      nodeId: h.ip,
      host: h.ip,
      user: h.user,
      privateKeyPath: hosts.keyPath,
      knownHostsPath: knownHostsPath(path.join(dir, 'ws')),
    });
  }, 300_000);

  afterAll(async () => {
    await runner?.close();
    await hosts?.remove();
  });

  it("installs Debian's docker.io on a host without an engine, and finds it there the next time", async () => {
    expect((await runner.run({ command: 'command -v docker dockerd || true' })).stdout.trim()).toBe('');
    expect(await ensureHostEngine(runner)).toBe('installed');
    const version = await runner.run({ command: "docker version --format '{{.Server.Version}}'", asRoot: true });
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+/);
    expect(await ensureHostEngine(runner)).toBe('ready');
  }, 600_000);

  it('sends a node image once; a second time sends nothing; the image runs there on the host network', async () => {
    const local = await connectDocker();
    const first = await shipImage(local, runner, IMAGE);
    expect(first.sent).toBe(true);
    const again = await shipImage(local, runner, IMAGE);
    expect(again).toEqual({ sent: false, id: first.id });
    const r = await runner.run({ command: `docker run --rm --network host ${IMAGE} cloudtik --version`, asRoot: true });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(packageInfo().version);
  }, 600_000);

  it("drives the host's engine through the SSH connection as this machine's: the image is there, and a container made through it runs", async () => {
    const engine = await hostEngine(runner);
    expect((await engine.version()).ApiVersion).toMatch(/^1\.\d+$/);
    const local = await connectDocker();
    expect((await engine.getImage(IMAGE).inspect()).Id).toBe((await local.getImage(IMAGE).inspect()).Id);
    const container = await engine.createContainer({
      Image: IMAGE,
      Cmd: ['sleep', 'infinity'],
      HostConfig: { NetworkMode: 'host', Init: true },
      Labels: { 'cloudtik-test': 'host-engine' },
    });
    try {
      await container.start();
      const r = await execInContainer(container, ['bash', '-c', 'hostname -I; cloudtik --version']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(hosts.hosts[0]!.ip);
      expect(r.stdout).toContain(packageInfo().version);
    } finally {
      await container.remove({ force: true });
    }
  }, 300_000);
});
