/**
 * How node images are assembled. The versions of what a node runs (Node, npm, Hadoop, Spark) are
 * pinned in src/core/host/versions.ts, shared with installs on bare hosts.
 */

/** Debian release `cloudtik/debian` is bootstrapped from. */
export const DEBIAN_SUITE = 'bookworm';

/** debootstrap variant: essential packages and apt only; the base Dockerfile adds the rest. */
export const DEBIAN_VARIANT = 'minbase';

/**
 * Bumped when the way images are assembled changes in a way the hashed inputs cannot see
 * (for example the layout of the build context), so old images are rebuilt.
 */
export const IMAGE_RECIPE_VERSION = 1;

/** Labels on every image we build. */
export const IMAGE_LABEL = {
  /** The image name without tag, e.g. `cloudtik/base`; `image list` finds our images by it. */
  image: 'cloudtik-image',
  /** Content hash of everything the image was built from; equal hash means nothing to rebuild. */
  hash: 'cloudtik-image-hash',
  /** The cloudtik package version that built the image. */
  version: 'cloudtik-version',
} as const;
