import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ImageSummary } from './engine.js';
import { describe, expect, it } from 'vitest';
import { readDownloadLock } from '../../core/host/downloads.js';
import { dockerDir, packageInfo } from '../../core/host/package.js';
import { HADOOP_VERSION, SPARK_VERSION } from '../../core/host/versions.js';
import {
  imageChain,
  imageFolder,
  imageRef,
  imagesFor,
  NODE_IMAGE_NAMES,
  NODE_IMAGES,
  resolveNodeImage,
  staleStageImages,
  variantProblem,
  versionArgs,
} from './images.js';

const version = packageInfo().version;

describe('resolveNodeImage', () => {
  it('defaults to cloudtik/cloudtik at the package version', () => {
    expect(resolveNodeImage(undefined)).toEqual({
      ref: `cloudtik/cloudtik:${version}`,
      name: 'cloudtik/cloudtik',
      tag: version,
      buildable: true,
      buildName: 'cloudtik/cloudtik',
    });
    expect(resolveNodeImage({ image: '' }).ref).toBe(`cloudtik/cloudtik:${version}`);
  });

  it('adds the package version to an untagged name and knows our images', () => {
    expect(resolveNodeImage({ image: 'cloudtik/base' })).toMatchObject({
      ref: `cloudtik/base:${version}`,
      buildable: true,
      buildName: 'cloudtik/base',
    });
    expect(resolveNodeImage('cloudtik/debian')).toMatchObject({ ref: 'cloudtik/debian:bookworm', buildable: true });
    expect(resolveNodeImage(`docker.io/cloudtik/cloudtik:${version}`)).toMatchObject({
      buildable: true,
      buildName: 'cloudtik/cloudtik',
    });
  });

  it('knows the Hadoop and Spark images', () => {
    for (const name of ['cloudtik/hadoop', 'cloudtik/spark', 'cloudtik/spark-runtime'] as const) {
      expect(resolveNodeImage(name)).toMatchObject({ ref: `${name}:${version}`, buildable: true, buildName: name });
    }
  });

  it('says why other references cannot be built', () => {
    expect(resolveNodeImage('cloudtik/spark-runtime:nightly')).toMatchObject({ buildable: false, tag: 'nightly' });
    expect(resolveNodeImage('cloudtik/cloudtik:0.0.1').reason).toMatch(/only as cloudtik\/cloudtik:/);
    expect(resolveNodeImage('localhost:5000/team/img')).toMatchObject({
      ref: `localhost:5000/team/img:${version}`,
      buildable: false,
    });
    expect(resolveNodeImage('busybox@sha256:abc')).toMatchObject({ buildable: false, name: 'busybox' });
  });

  it('tags images with the package version, the OS image with the Debian suite', () => {
    expect(imageRef('cloudtik/cloudtik')).toBe(`cloudtik/cloudtik:${version}`);
    expect(imageRef('cloudtik/debian')).toBe('cloudtik/debian:bookworm');
  });

  it('tags variant images with a suffix, never the OS image', () => {
    expect(imageRef('cloudtik/base', 'gpu')).toBe(`cloudtik/base:${version}-gpu`);
    expect(imageRef('cloudtik/cloudtik', 'gpu')).toBe(`cloudtik/cloudtik:${version}-gpu`);
    expect(imageRef('cloudtik/debian', 'gpu')).toBe('cloudtik/debian:bookworm');
  });
});

describe('variantProblem', () => {
  it('accepts tag-safe names and a reference', () => {
    expect(variantProblem({ name: 'gpu', osImage: 'nvidia/cuda:12.4.1-base-ubuntu22.04' })).toBeUndefined();
    expect(variantProblem({ name: 'cuda12.4_x', osImage: '127.0.0.1:5000/cuda:x' })).toBeUndefined();
  });

  it('rejects names a tag cannot carry and empty references', () => {
    expect(variantProblem({ name: 'GPU', osImage: 'a' })).toMatch(/variant name/);
    expect(variantProblem({ name: '-gpu', osImage: 'a' })).toMatch(/variant name/);
    expect(variantProblem({ name: 'g p u', osImage: 'a' })).toMatch(/variant name/);
    expect(variantProblem({ name: 'gpu', osImage: ' ' })).toMatch(/not an image reference/);
    expect(variantProblem({ name: 'gpu', osImage: 'a b' })).toMatch(/not an image reference/);
  });
});

describe('node image definitions', () => {
  it('lists every image after its parent', () => {
    for (const [i, name] of NODE_IMAGE_NAMES.entries()) {
      const parent = NODE_IMAGES[name].parent;
      if (parent === undefined) expect(name).toBe('cloudtik/debian');
      else expect(NODE_IMAGE_NAMES.indexOf(parent)).toBeLessThan(i);
    }
  });

  it('walks an image down to the OS image', () => {
    expect(imageChain('cloudtik/cloudtik')).toEqual(['cloudtik/debian', 'cloudtik/base', 'cloudtik/cloudtik']);
    expect(imageChain('cloudtik/spark-runtime')).toEqual([
      'cloudtik/debian',
      'cloudtik/base',
      'cloudtik/hadoop',
      'cloudtik/spark',
      'cloudtik/spark-runtime',
    ]);
    expect(imageChain('cloudtik/debian')).toEqual(['cloudtik/debian']);
  });

  it('builds what several targets need once, parents first', () => {
    expect(imagesFor([...NODE_IMAGE_NAMES])).toEqual([...NODE_IMAGE_NAMES]);
    expect(imagesFor(['cloudtik/spark', 'cloudtik/cloudtik'])).toEqual([
      'cloudtik/debian',
      'cloudtik/base',
      'cloudtik/cloudtik',
      'cloudtik/hadoop',
      'cloudtik/spark',
    ]);
    expect(imagesFor(['cloudtik/hadoop'])).not.toContain('cloudtik/cloudtik');
  });

  it('has a Dockerfile for every image but the OS image, declaring the build args it is given', () => {
    for (const name of NODE_IMAGE_NAMES.filter((n) => n !== 'cloudtik/debian')) {
      const spec = NODE_IMAGES[name];
      const dockerfile = fs.readFileSync(path.join(imageFolder(name), 'Dockerfile'), 'utf8');
      const args = [name === 'cloudtik/base' ? 'DEBIAN_IMAGE' : 'BASE_IMAGE', ...Object.keys(versionArgs(spec))];
      if (spec.adds === 'cloudtik-package') args.push('CLOUDTIK_VERSION');
      for (const arg of args) expect(dockerfile, `${name}: ARG ${arg}`).toMatch(new RegExp(`^ARG ${arg}\\b`, 'm'));
    }
    // The package layer is one Dockerfile on two bases: only the heavy layers below differ.
    expect(NODE_IMAGES['cloudtik/spark-runtime'].folder).toBe(NODE_IMAGES['cloudtik/cloudtik'].folder);
  });

  it('pins Hadoop in pom.xml, its lock and src/core/host/versions.ts alike', async () => {
    const folder = path.join(dockerDir(), 'hadoop');
    const pom = fs.readFileSync(path.join(folder, 'pom.xml'));
    expect(/<hadoop\.version>([^<]+)</.exec(pom.toString())?.[1]).toBe(HADOOP_VERSION);
    const lockText = fs.readFileSync(path.join(folder, 'downloads.lock'), 'utf8');
    const pomSha = crypto.createHash('sha256').update(pom).digest('hex');
    expect(lockText, 'downloads.lock is older than pom.xml: run docker/hadoop/lock.sh').toContain(
      `# pom.xml ${pomSha}`,
    );
    const names = (await readDownloadLock(folder)).map((e) => e.name);
    for (const jar of [
      'hadoop-common',
      'hadoop-hdfs',
      'hadoop-yarn-server-resourcemanager',
      'hadoop-yarn-server-nodemanager',
    ])
      expect(names).toContain(`jars/${jar}-${HADOOP_VERSION}.jar`);
    expect(names).toContain(`test-jars/hadoop-hdfs-${HADOOP_VERSION}-tests.jar`);
    // One log4j 1.x implementation only (reload4j); log4j 1.2.17 next to it breaks logging.
    expect(names.filter((n) => /\/(log4j-1\.|reload4j-)/.test(n))).toEqual([expect.stringMatching(/reload4j/)]);
  });

  it('pins Spark in its lock, its lock.sh and src/core/host/versions.ts alike', async () => {
    const folder = path.join(dockerDir(), 'spark');
    const names = (await readDownloadLock(folder)).map((e) => e.name);
    expect(names).toContain(`python/pyspark-${SPARK_VERSION}.tar.gz`);
    expect(names).toContain(`jars/spark-network-yarn_2.12-${SPARK_VERSION}.jar`);
    expect(fs.readFileSync(path.join(folder, 'lock.sh'), 'utf8')).toMatch(
      new RegExp(`^SPARK_VERSION=${SPARK_VERSION}$`, 'm'),
    );
  });
});

describe('staleStageImages', () => {
  const image = (id: string, created: number, tags: string[] | null, name?: string, hash?: string): ImageSummary =>
    ({
      Id: id,
      Created: created,
      RepoTags: tags,
      Labels: name === undefined ? {} : { 'cloudtik-image': name, 'cloudtik-image-hash': hash ?? '' },
    }) as unknown as ImageSummary;

  it('drops untagged images whose name and hash no tagged image carries any more', () => {
    const images = [
      image('hadoop-now', 10, ['cloudtik/hadoop:1'], 'cloudtik/hadoop', 'h2'),
      image('hadoop-gpu', 10, ['cloudtik/hadoop:1-gpu'], 'cloudtik/hadoop', 'g1'),
      image('stage-on-current', 12, ['<none>:<none>'], 'cloudtik/hadoop', 'h2'),
      image('stage-on-gpu', 11, null, 'cloudtik/hadoop', 'g1'),
      image('stage-on-old', 5, ['<none>:<none>'], 'cloudtik/hadoop', 'h1'),
      image('old-final', 6, null, 'cloudtik/spark', 's1'),
      image('not-ours', 1, null),
    ];
    expect(staleStageImages(images)).toEqual(['old-final', 'stage-on-old']);
  });

  it('keeps the newest untagged image on a current image, not older ones', () => {
    const images = [
      image('base', 1, ['cloudtik/base:1'], 'cloudtik/base', 'b'),
      image('stage-v1', 2, null, 'cloudtik/base', 'b'),
      image('stage-v2', 3, null, 'cloudtik/base', 'b'),
    ];
    expect(staleStageImages(images)).toEqual(['stage-v1']);
  });
});
