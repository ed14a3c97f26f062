/**
 * Which node image a node runs when its config names none: the one that carries the engines of all
 * its runtimes. Images are built in families, each on the one before it (see the virtual
 * provider's NODE_IMAGES); an image that builds on another carries that one's engines too.
 */
import { RUNTIMES } from './registry.js';

/** Each image that carries runtimes' engines, with the other such images whose engines it carries too. */
export const RUNTIME_IMAGES: Readonly<Record<string, { carries: readonly string[] }>> = {
  'cloudtik/spark-runtime': { carries: [] },
  'cloudtik/streaming-runtime': { carries: ['cloudtik/spark-runtime'] },
  'cloudtik/sql-runtime': { carries: ['cloudtik/spark-runtime'] },
};

/** The image for a node whose runtimes need `images`, or the two that no image carries together. */
export type ImageChoice = { image: string | undefined } | { conflict: [string, string] };

/** Whether `a` carries the engines of `b`: itself, the images it lists, and theirs. */
function carries(a: string, b: string): boolean {
  return a === b || (RUNTIME_IMAGES[a]?.carries ?? []).some((c) => carries(c, b));
}

/**
 * The image among `images` that carries all the others' engines (undefined for none asked), or a
 * pair of images no one of them carries together.
 */
export function imageCarryingAll(images: readonly string[]): ImageChoice {
  let chosen: string | undefined;
  for (const image of images) {
    if (chosen === undefined || carries(image, chosen)) chosen = image;
    else if (!carries(chosen, image)) return { conflict: [chosen, image] };
  }
  return { image: chosen };
}

/** The images the runtimes `types` name (unknown names left out: config rules report them). */
export function runtimeImages(types: readonly string[]): string[] {
  return types.flatMap((t) => {
    const image = RUNTIMES[t]?.image;
    return image ? [image] : [];
  });
}
