import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../src/core/events.js';
import { installHost, type HostInstallResult } from '../src/core/host/install.js';
import { HOST_CACHE } from '../src/core/host/layers.js';
import { packageInfo } from '../src/core/host/package.js';
import { HADOOP_VERSION, NODE_VERSION, SPARK_VERSION } from '../src/core/host/versions.js';
import { createSshRunner, type SshRunner } from '../src/core/command/ssh.js';
import { knownHostsPath } from '../src/core/command/ssh-known-hosts.js';
import { connectDocker } from '../src/providers/virtual/docker-client.js';
import type { Container } from '../src/providers/virtual/engine.js';
import { execInContainer, tempDir } from './helpers.js';
import { startSshHosts, type SshHosts } from './ssh-hosts.js';

const ALL_RUNTIMES = ['hdfs', 'yarn', 'spark', 'prometheus'];

/** A script as `user` in a login shell on the host, as a user who logged in over SSH gets it. */
async function login(container: Container, script: string, user = 'ubuntu') {
  const r = await execInContainer(container, ['bash', '-lc', script], { user });
  return { code: r.code, out: `${r.stdout}${r.stderr}`.trim() };
}

/** sha256 and mtime of every file in the host's cache, to see that a second install leaves it alone. */
async function cacheListing(container: Container): Promise<string> {
  const r = await login(container, `find ${HOST_CACHE} -type f -printf '%p %s %T@\\n' | sort`, 'root');
  expect(r.code).toBe(0);
  return r.out;
}

describe('installing a bare host', () => {
  let hosts: SshHosts;
  let host: Container;
  let runner: SshRunner;
  let name: string;

  beforeAll(async () => {
    // A plain Debian with sshd, sudo and a sudo user `ubuntu`: none of our base image. The
    // installer reaches it over SSH; the test looks at it through the engine.
    hosts = await startSshHosts(1, 'br-host');
    const h = hosts.hosts[0]!;
    name = h.ip;
    host = (await connectDocker()).getContainer(h.containerId);
    runner = createSshRunner({
      nodeId: h.ip,
      host: h.ip,
      user: h.user,
      privateKeyPath: hosts.keyPath,
      knownHostsPath: knownHostsPath(await tempDir('br-known')),
    });
  }, 300_000);

  afterAll(async () => {
    await runner?.close();
    await hosts?.remove();
  });

  let first: HostInstallResult;
  const firstEvents: CoreEvent[] = [];

  it('installs Java, Hadoop, Spark, Prometheus, Node and cloudtik, usable by the user in a login shell', async () => {
    const bashrcBefore = await login(host, 'sha256sum ~/.bashrc ~/.profile');
    first = await installHost({ runner, runtimes: ALL_RUNTIMES, head: true, sink: (e) => firstEvents.push(e) });
    expect(first.layers.map((l) => [l.layer, l.state])).toEqual([
      ['base', 'installed'],
      ['hadoop', 'installed'],
      ['spark', 'installed'],
      ['cloudtik', 'installed'],
    ]);
    expect(first.uploadedFiles).toBeGreaterThan(190);

    const checks: [string, RegExp][] = [
      ['java -version', /openjdk version "17\./],
      ['hadoop version', new RegExp(`^Hadoop ${HADOOP_VERSION.replace(/\./g, '\\.')}`, 'm')],
      ['spark-submit --version', new RegExp(`version ${SPARK_VERSION.replace(/\./g, '\\.')}`)],
      ['prometheus --version', /prometheus, version \d/],
      ['node --version', new RegExp(`^v${NODE_VERSION.replace(/\./g, '\\.')}$`)],
      ['cloudtik --version', new RegExp(`^${packageInfo().version.replace(/\./g, '\\.')}$`)],
    ];
    for (const [command, expected] of checks) {
      const r = await login(host, command);
      expect(r.code, `${command}: ${r.out}`).toBe(0);
      expect(r.out, command).toMatch(expected);
    }
    // The layout the runtimes expect, owned as in the images, and the user's dotfiles untouched.
    const layout = await login(
      host,
      'stat -c %U /opt/hadoop/etc/hadoop /opt/spark/conf /opt/spark-venv; ' +
        'echo "$JAVA_HOME $HADOOP_CONF_DIR $SPARK_HOME"; stat -c %U /opt/cds/hadoop /opt/cds/spark; ' +
        "find /opt/cds -name '*.jsa' | wc -l; sudo -n true && echo sudo-ok; " +
        // The bundled CLI carries its own Kubernetes client: hosts leave out the optional package,
        // beside the dependencies that are there.
        'd=/usr/local/lib/node_modules/cloudtik/node_modules; [ -f $d/yaml/package.json ] && echo dependencies; ' +
        '[ -e $d/@kubernetes ] || echo no-kubernetes-client',
    );
    expect(layout.out.split('\n')).toEqual([
      'ubuntu',
      'ubuntu',
      'ubuntu',
      '/usr/lib/jvm/java-17 /opt/hadoop/etc/hadoop /opt/spark',
      // No archive is trained on a host: its daemons write their own (see docker/hadoop/bin/cds-options).
      'ubuntu',
      'ubuntu',
      '0',
      'sudo-ok',
      'dependencies',
      'no-kubernetes-client',
    ]);
    expect(await login(host, 'sha256sum ~/.bashrc ~/.profile')).toEqual(bashrcBefore);
    const steps = firstEvents
      .filter((e) => e.type === 'step' && e.state === 'done')
      .map((e) => e.type === 'step' && e.id);
    expect(steps).toEqual(expect.arrayContaining([`host-install:${name}:upload`, `host-install:${name}:spark`]));
  }, 1_200_000);

  it('a second install finds every layer in place: it sends and runs nothing and leaves the cache alone', async () => {
    expect(first).toBeDefined();
    const before = await cacheListing(host);
    const events: CoreEvent[] = [];
    const t0 = performance.now();
    const second = await installHost({ runner, runtimes: ALL_RUNTIMES, head: true, sink: (e) => events.push(e) });
    const ms = performance.now() - t0;
    expect(second.layers.map((l) => [l.layer, l.state])).toEqual([
      ['base', 'cached'],
      ['hadoop', 'cached'],
      ['spark', 'cached'],
      ['cloudtik', 'cached'],
    ]);
    expect(second.uploadedFiles).toBe(0);
    const stepIds = events.flatMap((e) => (e.type === 'step' && e.state === 'start' ? [e.id] : []));
    expect(stepIds).toEqual([`host-install:${name}:probe`, `host-install:${name}:prepare`]);
    expect(await cacheListing(host)).toBe(before);
    expect(ms).toBeLessThan(first.layers.reduce((sum, l) => sum + l.ms, 0));
  }, 300_000);

  it('a failing layer names the host, the step and its last output lines; the next install redoes only that layer', async () => {
    // A host whose cloudtik layer is out of date (its marker differs) and whose npm cannot run.
    await login(
      host,
      `echo stale | sudo tee ${HOST_CACHE}/layers/cloudtik >/dev/null && sudo chmod a-x /usr/local/bin/node`,
    );
    const err = (await installHost({ runner, runtimes: ALL_RUNTIMES, head: true, sink: () => undefined }).catch(
      (e: unknown) => e,
    )) as {
      message: string;
      details: string[];
      hint?: string;
    };
    expect(err.message).toMatch(
      new RegExp(
        `^host ${name}: installing the cloudtik layer \\(docker/cloudtik/install.sh\\) failed \\(exit code \\d+\\)$`,
      ),
    );
    expect(err.details.join('\n')).toMatch(/node.?: Permission denied/);
    expect(err.hint).toContain(`${HOST_CACHE}/stage/cloudtik`);

    await login(host, 'sudo chmod a+x /usr/local/bin/node');
    const again = await installHost({ runner, runtimes: ALL_RUNTIMES, head: true, sink: () => undefined });
    expect(again.layers.map((l) => [l.layer, l.state])).toEqual([
      ['base', 'cached'],
      ['hadoop', 'cached'],
      ['spark', 'cached'],
      ['cloudtik', 'installed'],
    ]);
    expect(again.uploadedFiles).toBe(0);
    expect((await login(host, 'cloudtik --version')).out).toBe(packageInfo().version);
  }, 600_000);

  it('refuses a host whose user has no passwordless sudo, before anything runs', async () => {
    await login(host, 'sudo rm /etc/sudoers.d/ubuntu /etc/sudoers.d/cloudtik-nodes');
    const err = await installHost({ runner, runtimes: ['hdfs'], head: true, sink: () => undefined }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`host ${name}: user ubuntu cannot run sudo without a password`);
    expect((err as { hint?: string }).hint).toMatch(/NOPASSWD/);
  }, 120_000);
});
