/**
 * SSH test hosts: containers that look like plain machines with sshd, a sudo user `ubuntu` and
 * nothing of ours. The image is built once from the project's debootstrapped Debian and tagged with
 * the hash of its recipe; each host makes fresh host keys when it starts. Hosts sit on their own
 * network, labelled with the test run's workspace name so the global teardown sweeps them. The
 * test process reaches them by IP; code under test must never use Docker to reach them.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-fs';
import { docker, execInContainer, runProgram, sweepWorkspace, testRunId, testWorkspace } from './helpers.js';
import { connectDocker } from '../src/providers/virtual/docker-client.js';

const BASE_IMAGE = 'cloudtik/debian:bookworm';
export const SSH_USER = 'ubuntu';

const DOCKERFILE = `FROM ${BASE_IMAGE}
RUN set -eux; export DEBIAN_FRONTEND=noninteractive; apt-get update; \\
    apt-get install -y --no-install-recommends openssh-server sudo procps; \\
    apt-get clean; rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_*; \\
    useradd -m -s /bin/bash ${SSH_USER}; usermod -p '*' ${SSH_USER}; \\
    echo '${SSH_USER} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/${SSH_USER}; chmod 0440 /etc/sudoers.d/${SSH_USER}
COPY start-sshd /usr/local/sbin/start-sshd
CMD ["/usr/local/sbin/start-sshd"]
`;

/** Fresh host keys on every start; the session's public key from the environment. */
const START_SSHD = `#!/bin/bash
set -e
rm -f /etc/ssh/ssh_host_*
ssh-keygen -A >/dev/null
install -d -m 0700 -o ${SSH_USER} -g ${SSH_USER} /home/${SSH_USER}/.ssh
printf '%s\\n' "$AUTHORIZED_KEY" > /home/${SSH_USER}/.ssh/authorized_keys
chown ${SSH_USER}: /home/${SSH_USER}/.ssh/authorized_keys
chmod 0600 /home/${SSH_USER}/.ssh/authorized_keys
# A host that runs its own Docker engine (see DOCKER_HOST_CONFIG) mounts its cgroup hierarchies
# read-write: the engine's containers need them.
if [ "\${CLOUDTIK_TEST_DOCKER_HOST:-}" = 1 ]; then
  umount -R /sys/fs/cgroup
  mount -t tmpfs cgroup_root /sys/fs/cgroup
  for c in cpuset cpu cpuacct blkio memory devices freezer pids; do
    mkdir -p /sys/fs/cgroup/$c
    mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c 2>/dev/null || rmdir /sys/fs/cgroup/$c
  done
  mkdir -p /sys/fs/cgroup/systemd
  mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
fi
mkdir -p /run/sshd
/usr/sbin/sshd -D -e &
wait || true
# sshd stopped (a test stops it): the host stays up without it until the test starts it again.
exec sleep infinity
`;

export interface SshHost {
  ip: string;
  port: number;
  user: string;
  keyPath: string;
  /** The container, for the test's own checks and faults (never for code under test). */
  containerId: string;
}

export interface SshHosts {
  hosts: SshHost[];
  keyPath: string;
  /** New host keys at the same address (sshd reloads them). */
  newHostKeys(host: SshHost): Promise<void>;
  /** Run a shell line in the host as root, through Docker (test-side checks only). */
  rootShell(host: SshHost, script: string): Promise<{ code: number; stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

/** The test host image, built when its recipe's hash is not tagged yet. */
export async function sshHostImage(): Promise<string> {
  const base = await docker.getImage(BASE_IMAGE).inspect();
  const hash = crypto
    .createHash('sha256')
    .update(base.Id)
    .update(DOCKERFILE)
    .update(START_SSHD)
    .digest('hex')
    .slice(0, 16);
  const ref = `cloudtik-test/ssh-host:${hash}`;
  const exists = await docker
    .getImage(ref)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (exists) return ref;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-ssh-image-'));
  try {
    await fsp.writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
    await fsp.writeFile(path.join(dir, 'start-sshd'), START_SSHD, { mode: 0o755 });
    const stream = await docker.buildImage(tar.pack(dir), { t: ref, rm: true });
    const output = await new Promise<unknown[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, res: unknown[]) => (err ? reject(err) : resolve(res))),
    );
    const failed = output.find((o) => typeof o === 'object' && o !== null && 'error' in o);
    if (failed) throw new Error(`ssh host image build failed: ${JSON.stringify(failed)}`);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
  return ref;
}

/**
 * One ed25519 key per test run, made with ssh-keygen; its path. It lives in the run's
 * CLOUDTIK_HOME (which the global teardown removes).
 */
export async function sessionKey(): Promise<string> {
  const home = process.env.CLOUDTIK_HOME;
  if (!home) throw new Error('CLOUDTIK_HOME is not set: run through vitest (test/global-setup.ts) or set it');
  const dir = path.join(home, `test-ssh-${testRunId()}`);
  const keyPath = path.join(dir, 'id_ed25519');
  if (fs.existsSync(`${keyPath}.pub`)) return keyPath;
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const r = await runProgram('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cloudtik-test', '-f', keyPath]);
  if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return keyPath;
}

/** Wait until sshd on a host answers with its banner. */
async function waitForBanner(containerId: string, ip: string): Promise<void> {
  const engine = await connectDocker();
  const container = engine.getContainer(containerId);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await execInContainer(container, [
      'bash',
      '-c',
      'test -s /run/sshd.pid && exec 3<>/dev/tcp/127.0.0.1/22',
    ]);
    if (r.code === 0) return;
    if (Date.now() > deadline) throw new Error(`sshd on test host ${ip} did not start within 60 s: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/**
 * What a test host that runs its own Docker engine gets: every capability this machine's engine can
 * give (all but CAP_SYS_RESOURCE, so no `--privileged`), no seccomp or AppArmor profile, its own
 * cgroup namespace, and the engine's storage in memory (removed with the host). Test hosts only.
 */
const DOCKER_HOST_CONFIG = {
  CapAdd: ['ALL'],
  CapDrop: ['SYS_RESOURCE'],
  SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
  CgroupnsMode: 'private',
  Tmpfs: { '/var/lib/docker': 'rw,exec,size=6g' },
};

/**
 * Start `count` SSH hosts on a labelled network of their own; `label` makes the names unique. With
 * `docker`, each can run a Docker engine (none is installed: that is the code under test's job).
 */
export async function startSshHosts(
  count: number,
  label: string,
  options: { docker?: boolean } = {},
): Promise<SshHosts> {
  const image = await sshHostImage();
  const keyPath = await sessionKey();
  const publicKey = (await fsp.readFile(`${keyPath}.pub`, 'utf8')).trim();
  const workspace = testWorkspace(label);
  const labels = { 'cloudtik-workspace-name': workspace, 'cloudtik-test-kind': 'ssh-host' };
  const network = await docker.createNetwork({ Name: workspace, Labels: labels, CheckDuplicate: true });
  const hosts: SshHost[] = [];
  const remove = (): Promise<void> => sweepWorkspace(workspace);
  try {
    for (let i = 0; i < count; i++) {
      const container = await docker.createContainer({
        name: `${workspace}-host${i}`,
        Image: image,
        Labels: labels,
        Env: [`AUTHORIZED_KEY=${publicKey}`, ...(options.docker ? ['CLOUDTIK_TEST_DOCKER_HOST=1'] : [])],
        HostConfig: { NetworkMode: network.id, ...(options.docker ? DOCKER_HOST_CONFIG : {}) },
      });
      await container.start();
      const info = await container.inspect();
      const ip = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress ?? '';
      hosts.push({ ip, port: 22, user: SSH_USER, keyPath, containerId: container.id });
    }
    await Promise.all(hosts.map((h) => waitForBanner(h.containerId, h.ip)));
  } catch (err) {
    await remove();
    throw err;
  }
  const rootShell = async (host: SshHost, script: string) => {
    const engine = await connectDocker();
    return execInContainer(engine.getContainer(host.containerId), ['bash', '-c', script]);
  };
  return {
    hosts,
    keyPath,
    rootShell,
    remove,
    async newHostKeys(host) {
      const r = await rootShell(
        host,
        'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && kill -HUP "$(cat /run/sshd.pid)"',
      );
      if (r.code !== 0) throw new Error(`new host keys on ${host.ip} failed: ${r.stderr}`);
      await waitForBanner(host.containerId, host.ip);
    },
  };
}
