import { describe, expect, it } from 'vitest';
import { packageInfo } from './image-package.js';
import { imageRef, resolveNodeImage, variantProblem } from './images.js';

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
