import { describe, expect, it } from 'vitest';
import { imageCarryingAll, RUNTIME_IMAGES, runtimeImages } from './images.js';

describe('imageCarryingAll', () => {
  it('knows the spark runtime image', () => {
    expect(RUNTIME_IMAGES['cloudtik/spark-runtime']).toBeDefined();
  });

  // With a made-up family on top of spark-runtime, and one beside it.
  const table: [string, string[], ReturnType<typeof imageCarryingAll>][] = [
    ['no runtimes', [], { image: undefined }],
    ['one image', ['cloudtik/spark-runtime'], { image: 'cloudtik/spark-runtime' }],
    ['the same image twice', ['cloudtik/spark-runtime', 'cloudtik/spark-runtime'], { image: 'cloudtik/spark-runtime' }],
    ['an unknown image alone', ['my/image'], { image: 'my/image' }],
    [
      'two images nothing carries together',
      ['cloudtik/spark-runtime', 'my/image'],
      { conflict: ['cloudtik/spark-runtime', 'my/image'] },
    ],
  ];
  it.each(table)('%s', (_what, images, expected) => {
    expect(imageCarryingAll(images)).toEqual(expected);
  });

  it('runs Spark, HDFS and YARN with Kafka and ZooKeeper on the streaming image, which carries them all', () => {
    const runtimes = ['hdfs', 'yarn', 'spark', 'zookeeper', 'kafka'];
    expect(imageCarryingAll(runtimeImages(runtimes))).toEqual({ image: 'cloudtik/streaming-runtime' });
    expect(imageCarryingAll(runtimeImages(['spark']))).toEqual({ image: 'cloudtik/spark-runtime' });
  });

  it('takes the image that carries the others, whichever comes first', () => {
    const images = RUNTIME_IMAGES as Record<string, { carries: readonly string[] }>;
    images['test/top'] = { carries: ['cloudtik/spark-runtime'] };
    images['test/beside'] = { carries: ['cloudtik/spark-runtime'] };
    images['test/above'] = { carries: ['test/top'] };
    try {
      expect(imageCarryingAll(['cloudtik/spark-runtime', 'test/above'])).toEqual({ image: 'test/above' });
      expect(imageCarryingAll(['cloudtik/spark-runtime', 'test/top'])).toEqual({ image: 'test/top' });
      expect(imageCarryingAll(['test/top', 'cloudtik/spark-runtime'])).toEqual({ image: 'test/top' });
      expect(imageCarryingAll(['test/top', 'test/beside'])).toEqual({ conflict: ['test/top', 'test/beside'] });
    } finally {
      delete images['test/top'];
      delete images['test/beside'];
      delete images['test/above'];
    }
  });
});
