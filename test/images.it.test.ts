import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../src/providers/virtual/docker-client.js';
import type { Container, DockerEngine } from '../src/providers/virtual/engine.js';
import { packageInfo } from '../src/core/host/package.js';
import {
  FLINK_VERSION,
  HADOOP_VERSION,
  NODE_VERSION,
  NPM_VERSION,
  PRESTO_VERSION,
  SPARK_VERSION,
  TRINO_VERSION,
} from '../src/core/host/versions.js';
import { bootstrapDebianImage } from '../src/providers/virtual/image-debian.js';
import { CloudtikError } from '../src/core/errors.js';
import {
  buildAllImages,
  ensureImage,
  imageExists,
  imageRef,
  listNodeImages,
  type ImageBuildResult,
} from '../src/providers/virtual/images.js';
import type { CoreEvent } from '../src/core/events.js';
import { cliOk, execInContainer, testRunId } from './helpers.js';

const version = packageInfo().version;

/** A bash script in the container as `user`; output trimmed. */
async function execIn(container: Container, user: string, script: string) {
  const r = await execInContainer(container, ['bash', '-c', script], { user });
  return { code: r.code, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/** Run `script` as `user` in a new container of `image`, removed after. */
async function execInImage(docker: DockerEngine, image: string, user: string, script: string) {
  const container = await docker.createContainer({
    Image: image,
    Labels: { 'cloudtik-test-run': testRunId() },
    HostConfig: { AutoRemove: false },
  });
  try {
    await container.start();
    return await execIn(container, user, script);
  } finally {
    await container.remove({ force: true });
  }
}

describe('node images', () => {
  let docker: DockerEngine;
  let built: ImageBuildResult[];
  const events: CoreEvent[] = [];

  beforeAll(async () => {
    docker = await connectDocker();
    // Cold when the engine has none of the images (debootstrap + five builds), else whatever changed.
    built = await buildAllImages(docker, { sink: (e) => events.push(e) });
  }, 1_200_000);

  it('builds every node image, parents first, tagged and labelled', async () => {
    expect(built.map((r) => r.ref)).toEqual([
      'cloudtik/debian:bookworm',
      `cloudtik/base:${version}`,
      `cloudtik/cloudtik:${version}`,
      `cloudtik/hadoop:${version}`,
      `cloudtik/spark:${version}`,
      `cloudtik/spark-runtime:${version}`,
      `cloudtik/sql:${version}`,
      `cloudtik/sql-runtime:${version}`,
      `cloudtik/streaming:${version}`,
      `cloudtik/streaming-runtime:${version}`,
    ]);
    for (const r of built) {
      expect(r.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await imageExists(docker, r.ref)).toBe(true);
    }
    const listed = await listNodeImages(docker);
    for (const r of built)
      expect(listed).toContainEqual(expect.objectContaining({ ref: r.ref, id: r.id, hash: r.hash }));
    // One step per image in the event stream.
    for (const r of built) expect(events.some((e) => e.type === 'step' && e.id === `image:${r.name}`)).toBe(true);
  });

  it('keeps no big file in a layer that only stages it in /tmp for an install script', async () => {
    // The classic builder keeps every COPY layer: a file copied to /tmp and moved by install.sh
    // would be in the image twice, so big files are copied straight to their place. What stays
    // staged is the scripts and npm's tarball (3 MB, unpacked from there); the node executable
    // (125 MB) or Hadoop's jars (93 MB) staged there would be far over the limit.
    for (const r of built.filter((b) => b.name !== 'cloudtik/debian')) {
      const layers = await docker.getImage(r.ref).history();
      const staged = layers.filter((l) => /\bCOPY\b.* in \/tmp\//.test(l.CreatedBy));
      expect(staged.length, r.ref).toBeGreaterThan(0);
      const bytes = staged.reduce((sum, l) => sum + l.Size, 0);
      expect(bytes, `${r.ref}: ${staged.map((l) => `${l.Size} ${l.CreatedBy}`).join('\n')}`).toBeLessThan(5_000_000);
    }
  });

  describe('inside a cloudtik/cloudtik container', () => {
    let container: Container;

    beforeAll(async () => {
      container = await docker.createContainer({
        Image: imageRef('cloudtik/cloudtik'),
        Labels: { 'cloudtik-test-run': testRunId() },
        HostConfig: { AutoRemove: false },
      });
      await container.start();
    });

    afterAll(async () => {
      await container?.remove({ force: true });
    });

    it('runs Node LTS and npm from /usr/local', async () => {
      const r = await execIn(container, 'ubuntu', 'node --version; npm --version; command -v node npm npx');
      expect(r.code, r.stderr).toBe(0);
      const [nodeVersion, npmVersion, ...paths] = r.stdout.split('\n');
      expect(nodeVersion).toBe(`v${NODE_VERSION}`);
      expect(Number(/^v(\d+)\./.exec(nodeVersion ?? '')?.[1])).toBeGreaterThanOrEqual(22);
      expect(npmVersion).toBe(NPM_VERSION);
      expect(paths).toEqual(['/usr/local/bin/node', '/usr/local/bin/npm', '/usr/local/bin/npx']);
    });

    it('has cloudtik at the package version for root and for ubuntu', async () => {
      for (const user of ['root', 'ubuntu']) {
        const r = await execIn(container, user, 'cloudtik --version');
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe(version);
      }
    });

    it("keeps the CLI's compiled code for ubuntu in ubuntu's own folder", async () => {
      const r = await execIn(
        container,
        'ubuntu',
        [
          'cloudtik --version >/dev/null && cloudtik --version >/dev/null',
          'find ~/.cache/node-compile-cache -type f -user ubuntu | grep -c . || true',
          'find /tmp/node-compile-cache -user ubuntu 2>/dev/null | grep -c . || true',
        ].join('; '),
      );
      expect(r.code, r.stderr).toBe(0);
      const [own, shared] = r.stdout.split('\n').map(Number);
      expect(own).toBeGreaterThan(0);
      expect(shared).toBe(0);
    });

    it("gives a new container ubuntu's compiled code of the CLI and of the Kubernetes client, made at image build", async () => {
      const bin = '/usr/local/lib/node_modules/cloudtik/dist/bin';
      const r = await execInImage(
        docker,
        imageRef('cloudtik/cloudtik'),
        'ubuntu',
        [
          // Listed before the first command, which would write one that was not there.
          'ls ~/.cache/cloudtik/code',
          `echo "size kube-client.cjs $(stat -c %s ${bin}/kube-client.cjs)"`,
          `echo "size cli.cjs $(stat -c %s ${bin}/cli.cjs)"`,
          `NODE_DEBUG_NATIVE=COMPILE_CACHE cloudtik --version 2>&1 | grep -E '/dist/bin/main\\.js' || true`,
        ].join('; '),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('main.js was accepted');
      expect(r.stdout).not.toContain('main.js... no such file');
      // The command line's bundle and the client's, each with a cache of its own size (V8's).
      for (const name of ['kube-client.cjs', 'cli.cjs']) {
        const size = new RegExp(`^size ${name.replace('.', '\\.')} (\\d+)$`, 'm').exec(r.stdout)?.[1];
        expect(size, name).toBeDefined();
        expect(r.stdout).toMatch(new RegExp(`^${name.replace('.', '\\.')}-v\\d[^-]*-\\w+-${size}-\\d+\\.bin$`, 'm'));
      }
    });

    it('has the user ubuntu (uid 1000) with passwordless sudo', async () => {
      const r = await execIn(
        container,
        'ubuntu',
        'id -u; echo $HOME; getent passwd ubuntu | cut -d: -f7; sudo -n true && echo sudo-ok',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toEqual(['1000', '/home/ubuntu', '/bin/bash', 'sudo-ok']);
    });

    it('has bash, rsync, ps and the other base tools', async () => {
      const r = await execIn(
        container,
        'ubuntu',
        'for t in bash rsync ps ip less sudo tini; do command -v $t >/dev/null || echo missing $t; done; ps -p 1 -o comm=',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('tini');
    });

    it('sees exports appended to ~/.bashrc in non-interactive shells', async () => {
      const append = await execIn(container, 'ubuntu', 'echo "export X=1" >> ~/.bashrc');
      expect(append.code, append.stderr).toBe(0);
      const r = await execIn(container, 'ubuntu', '. ~/.bashrc; echo "$X"');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('1');
    });

    it('shares a populated npm cache that sudo npm uses', async () => {
      const r = await execIn(
        container,
        'ubuntu',
        'npm config get cache; sudo npm config get cache; test -d /var/cache/cloudtik-npm/_cacache && echo populated',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toEqual(['/var/cache/cloudtik-npm', '/var/cache/cloudtik-npm', 'populated']);
    });
  });

  describe('inside a cloudtik/spark-runtime container', () => {
    let container: Container;

    beforeAll(async () => {
      container = await docker.createContainer({
        Image: imageRef('cloudtik/spark-runtime'),
        Labels: { 'cloudtik-test-run': testRunId() },
        HostConfig: { AutoRemove: false },
      });
      await container.start();
    });

    afterAll(async () => {
      await container?.remove({ force: true });
    });

    it('has Java 17, Hadoop and Spark at the pinned versions, and cloudtik', async () => {
      const r = await execIn(
        container,
        'ubuntu',
        'java -version 2>&1 | head -n 1; hadoop version | head -n 1; python3 -c "import pyspark; print(pyspark.__version__)"; cloudtik --version',
      );
      expect(r.code, r.stderr).toBe(0);
      const [java, hadoop, spark, cloudtik] = r.stdout.split('\n');
      expect(java).toMatch(/ "17\./);
      expect(hadoop).toBe(`Hadoop ${HADOOP_VERSION}`);
      expect(spark).toBe(SPARK_VERSION);
      expect(cloudtik).toBe(version);
    });

    it('lays out Hadoop and Spark where the runtimes expect them, writable by ubuntu', async () => {
      const r = await execIn(
        container,
        'ubuntu',
        [
          'echo "$JAVA_HOME $HADOOP_HOME $HADOOP_CONF_DIR $SPARK_HOME $SPARK_CONF_DIR $PYSPARK_PYTHON"',
          'test -w "$HADOOP_CONF_DIR" && test -w "$SPARK_CONF_DIR" && echo writable',
          'for c in hadoop hdfs yarn mapred spark-submit pyspark spark-shell prometheus prometheus-node-exporter; do command -v $c >/dev/null || echo missing $c; done',
          'test -f /opt/hadoop/share/hadoop/hdfs/webapps/hdfs/index.html && echo hdfs-webapps',
          'ls /opt/hadoop/share/hadoop/yarn/aux/spark-shuffle | grep -c "^spark-network-"',
        ].join('; '),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toEqual([
        '/usr/lib/jvm/java-17 /opt/hadoop /opt/hadoop/etc/hadoop /opt/spark /opt/spark/conf /opt/spark-venv/bin/python',
        'writable',
        'hdfs-webapps',
        '3',
      ]);
    });

    it("imports pyspark from its zip's compiled modules, as drivers and executors do", async () => {
      const zip = '/opt/spark/python/lib/pyspark.zip';
      const r = await execIn(
        container,
        'ubuntu',
        [
          `python3 -c 'import sys, zipfile; n = set(zipfile.ZipFile(sys.argv[1]).namelist()); print(len([f for f in n if f.endswith(".py") and f + "c" not in n]))' ${zip}`,
          `PYTHONPATH=${zip} python3 -c 'import pyspark.sql.functions as f; print(f.__file__)'`,
        ].join('; '),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toEqual(['0', `${zip}/pyspark/sql/functions.pyc`]);
    });

    it('formats a NameNode and runs HDFS shell commands on the local file system', async () => {
      const r = await execIn(
        container,
        'ubuntu',
        'cd /tmp && hdfs namenode -format -nonInteractive -force >/dev/null 2>&1 && echo formatted; hadoop fs -ls -d file:///opt >/dev/null && echo fs-ok; hadoop classpath',
      );
      expect(r.code, r.stderr).toBe(0);
      const [formatted, fsOk, classpath] = r.stdout.split('\n');
      expect([formatted, fsOk]).toEqual(['formatted', 'fs-ok']);
      // Every jar by name (class data sharing needs the exact order), the folders last.
      expect(classpath).toContain(`/opt/hadoop/share/hadoop/lib/hadoop-common-${HADOOP_VERSION}.jar:`);
      expect(classpath).not.toContain('*');
      expect(classpath).toMatch(/\.jar:\/opt\/hadoop\/etc\/hadoop:\/opt\/hadoop\/share\/hadoop\/hdfs$/);
    });

    it("has a NameNode template of the node user's holding the Spark event log folder", async () => {
      const t = '/opt/hadoop/share/hadoop/namenode-template';
      const r = await execIn(
        container,
        'ubuntu',
        [
          `stat -c %U ${t}/current/VERSION`,
          `grep -c '^clusterID=CID-template$' ${t}/current/VERSION`,
          `test ! -e ${t}/in_use.lock && echo unlocked`,
          // The newest fsimage, read offline: its folders by name.
          `image=$(ls ${t}/current/fsimage_* | grep -v md5 | sort | tail -n 1)`,
          `HADOOP_CDS=off hdfs oiv -p XML -i "$image" -o - 2>/dev/null | grep -o '<type>DIRECTORY</type><name>[^<][^<]*</name>' | sed 's/.*<name>//; s/<.*//' | sort | paste -sd ' ' -`,
        ].join('; '),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toEqual(['ubuntu', '1', 'unlocked', 'shared spark-events']);
    });

    it('starts Hadoop daemons and commands from its class data sharing archives, quietly', async () => {
      const fromArchive = "grep -c 'source: shared objects file (top)'";
      const r = await execIn(
        container,
        'ubuntu',
        [
          'ls /opt/cds/hadoop /opt/cds/spark | grep jsa | tr "\\n" " "; echo',
          `cd /tmp && HADOOP_OPTS=-Xlog:class+load=info hdfs namenode -format -nonInteractive -force 2>/dev/null | ${fromArchive}`,
          `HADOOP_OPTS=-Xlog:class+load=info hadoop fs -ls -d file:///opt | ${fromArchive}`,
          `HADOOP_CDS=off HADOOP_OPTS=-Xlog:class+load=info hadoop fs -ls -d file:///opt | ${fromArchive} || true`,
          'hadoop fs -ls -d file:///opt 2>&1 | wc -l',
        ].join('; '),
      );
      expect(r.code, r.stderr).toBe(0);
      const [archives, format, client, off, lines] = r.stdout.split('\n');
      expect(archives?.trim().split(' ')).toEqual([
        'client.jsa',
        'datanode.jsa',
        'namenode.jsa',
        'nodemanager.jsa',
        'resourcemanager.jsa',
        'history-server.jsa',
        'job.jsa',
      ]);
      expect(Number(format)).toBeGreaterThan(2000);
      expect(Number(client)).toBeGreaterThan(1000);
      expect(Number(off)).toBe(0);
      // No JVM warning in a command's output: one line, the listing.
      expect(lines).toBe('1');
    });
  });

  it('has Flink and PyFlink at the pinned version in cloudtik/streaming, its conf writable by ubuntu', async () => {
    const r = await execInImage(
      docker,
      imageRef('cloudtik/streaming'),
      'ubuntu',
      [
        'flink --version 2>/dev/null | grep -o "Version: [^,]*"',
        '/opt/flink-venv/bin/python -c "from pyflink.version import __version__; print(__version__)"',
        'test -w "$FLINK_CONF_DIR" && echo writable',
        'ls /opt/flink/lib | grep -c "^flink-dist-"; ls /opt/flink/opt',
        'for c in yarn-session.sh sql-client.sh flink-history-server; do command -v $c >/dev/null || echo missing $c; done',
      ].join('; '),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      `Version: ${FLINK_VERSION}`,
      FLINK_VERSION,
      'writable',
      '1',
      `flink-python-${FLINK_VERSION}.jar`,
      `flink-sql-client-${FLINK_VERSION}.jar`,
    ]);
  });

  it('cloudtik/sql-runtime has Trino: its server with three plugins on Java 25, and its CLI on Java 17', async () => {
    const r = await execInImage(
      docker,
      imageRef('cloudtik/sql-runtime'),
      'ubuntu',
      [
        'echo $(ls /opt/trino/server/plugin)',
        "/opt/trino/jdk/bin/java -version 2>&1 | head -n 1 | cut -d'\"' -f2",
        "java -version 2>&1 | head -n 1 | cut -d'\"' -f2 | cut -d. -f1",
        'trino --version',
        'echo $(ls /opt/trino/server/bin)',
      ].join('; '),
    );
    expect(r.stdout.split('\n')).toEqual([
      'hive memory tpch',
      expect.stringMatching(/^25\./) as string,
      '17',
      `Trino CLI ${TRINO_VERSION}`,
      expect.stringMatching(/^launcher launcher\.properties linux-(amd64|arm64)$/) as string,
    ]);
  });

  it('cloudtik/sql-runtime has Presto: its server with two plugins on Java 11, and its CLI on Java 17', async () => {
    const r = await execInImage(
      docker,
      imageRef('cloudtik/sql-runtime'),
      'ubuntu',
      [
        'echo $(ls /opt/presto/server)',
        'echo $(ls /opt/presto/server/plugin)',
        "/opt/presto/jdk/bin/java -version 2>&1 | head -n 1 | cut -d'\"' -f2",
        'presto --version',
      ].join('; '),
    );
    expect(r.stdout.split('\n')).toEqual([
      'NOTICE bin lib plugin',
      'hive-hadoop2 tpch',
      expect.stringMatching(/^11\./) as string,
      expect.stringMatching(new RegExp(`^Presto CLI ${PRESTO_VERSION.replace('.', '\\.')}-`)) as string,
    ]);
  });

  it('skips an unchanged image without touching it', async () => {
    const before = built.find((r) => r.name === 'cloudtik/cloudtik');
    const t0 = performance.now();
    const again = await ensureImage(docker, { image: 'cloudtik/cloudtik' });
    const ms = performance.now() - t0;
    console.log(`warm ensureImage(cloudtik/cloudtik): ${Math.round(ms)} ms`);
    expect(again.action).toBe('cached');
    expect(again.id).toBe(before?.id);
  });

  it('the CLI reports the images as up to date and lists them', async () => {
    const build = JSON.parse((await cliOk(['image', 'build', '--json'])).stdout) as { images: ImageBuildResult[] };
    expect(build.images.map((r) => [r.ref, r.action])).toEqual(built.map((r) => [r.ref, 'cached']));
    const list = JSON.parse((await cliOk(['image', 'list', '--json'])).stdout) as {
      images: { ref: string; id: string }[];
    };
    for (const r of built) expect(list.images).toContainEqual(expect.objectContaining({ ref: r.ref, id: r.id }));
  });

  it('a failed debootstrap reports its output and leaves no scratch folder', async () => {
    const cache = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-image-cache-'));
    const saved = { cache: process.env.CLOUDTIK_IMAGE_CACHE, mirror: process.env.CLOUDTIK_DEBIAN_MIRROR };
    process.env.CLOUDTIK_IMAGE_CACHE = cache;
    process.env.CLOUDTIK_DEBIAN_MIRROR = 'http://127.0.0.1:9/debian';
    try {
      const err = await bootstrapDebianImage(docker, {
        ref: 'cloudtik/debian:never',
        hash: 'x',
        labels: {},
        sink: () => undefined,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CloudtikError);
      expect((err as CloudtikError).message).toMatch(/debootstrap bookworm failed/);
      expect((err as CloudtikError).details.length).toBeGreaterThan(0);
      expect(await fsp.readdir(path.join(cache, 'bootstrap'))).toEqual([]);
      expect(await imageExists(docker, 'cloudtik/debian:never')).toBe(false);
    } finally {
      for (const [key, value] of [
        ['CLOUDTIK_IMAGE_CACHE', saved.cache],
        ['CLOUDTIK_DEBIAN_MIRROR', saved.mirror],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await fsp.rm(cache, { recursive: true, force: true });
    }
  });
});
