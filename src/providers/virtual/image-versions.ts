/**
 * The one place node-image inputs are pinned. Changing a value here changes the build args, hence
 * the content hash of the images built from them, hence a rebuild on the next `ensureImage`.
 */

/** Node LTS the nodes run, from the npm package `node-linux-<arch>` (it holds `package/bin/node`). */
export const NODE_VERSION = '22.23.3';

/** npm installed next to Node in the nodes (npm 11 supports Node ^20.17 || >=22.9). */
export const NPM_VERSION = '11.21.2';

/**
 * Hadoop in `cloudtik/hadoop` (HDFS, YARN, MapReduce client), from Maven Central. The jars are
 * pinned by docker/hadoop/pom.xml and its downloads.lock (docker/hadoop/lock.sh); keep them equal.
 */
export const HADOOP_VERSION = '3.3.6';

/**
 * Spark in `cloudtik/spark`, from the pyspark package on PyPI (Scala 2.12, Hadoop 3.3 client), and
 * its YARN shuffle service from Maven Central. Pinned by docker/spark/downloads.lock (docker/spark/lock.sh).
 */
export const SPARK_VERSION = '3.5.5';

/** Debian release `cloudtik/debian` is bootstrapped from. */
export const DEBIAN_SUITE = 'bookworm';

/** debootstrap variant: essential packages and apt only; the base Dockerfile adds the rest. */
export const DEBIAN_VARIANT = 'minbase';

/**
 * Bumped when the way images are assembled changes in a way the hashed inputs cannot see
 * (for example the layout of the build context), so old images are rebuilt.
 */
export const IMAGE_RECIPE_VERSION = 1;

/** Global npm cache inside the nodes; world-writable so every user's npm and `sudo npm` share it. */
export const NODE_NPM_CACHE = '/var/cache/cloudtik-npm';

/** Labels on every image we build. */
export const IMAGE_LABEL = {
  /** The image name without tag, e.g. `cloudtik/base`; `image list` finds our images by it. */
  image: 'cloudtik-image',
  /** Content hash of everything the image was built from; equal hash means nothing to rebuild. */
  hash: 'cloudtik-image-hash',
  /** The cloudtik package version that built the image. */
  version: 'cloudtik-version',
} as const;

/** Maps the engine's architecture (as `docker version` reports it) to the suffix of the Node npm package. */
export const NODE_PACKAGE_ARCH: Readonly<Record<string, string>> = {
  amd64: 'x64',
  x86_64: 'x64',
  arm64: 'arm64',
  aarch64: 'arm64',
  ppc64le: 'ppc64le',
  s390x: 's390x',
};
