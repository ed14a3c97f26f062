import { CloudtikError } from '../../core/errors.js';
import { logEvent, type EventSink } from '../../core/events.js';
import type { ImageBuilder, ImageBuildOptions } from '../provider.js';
import type { DockerEngine } from './engine.js';
import type { ImageVariant, NodeImageName } from './images.js';

/** The image code is loaded only by what makes or lists images, not by every use of the provider. */
const load = (): Promise<typeof import('./images.js')> => import('./images.js');

/**
 * Make sure every image the cluster's nodes run is in the engine: present ones are used as
 * they are (a quick look, no hashing, so `start` stays fast), missing ones that cloudtik knows
 * how to make are built, anything else is an error: nothing is ever pulled.
 */
async function ensureClusterImages(docker: DockerEngine, refs: string[], sink: EventSink): Promise<void> {
  const { ensureImage, imageExists, resolveNodeImage } = await load();
  for (const ref of refs) {
    if (await imageExists(docker, ref)) continue;
    const resolved = resolveNodeImage(ref);
    if (!resolved.buildable || resolved.buildName === undefined) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_IMAGE',
        `node image ${ref} is not in the local Docker engine, and images are never pulled`,
        {
          hint: `${resolved.reason ?? ''}; build or load it first (docker build/load), or leave docker.image unset to use cloudtik/cloudtik`,
        },
      );
    }
    logEvent(sink, 'info', `node image ${ref} is missing: building it (once; later starts reuse it)`);
    await ensureImage(docker, { image: resolved.buildName, sink });
  }
}

/** The node image `image build --image` names, checked before anything is built. */
async function buildTarget(image: string | undefined): Promise<NodeImageName | undefined> {
  if (image === undefined) return undefined;
  const { NODE_IMAGE_NAMES, resolveNodeImage } = await load();
  const resolved = resolveNodeImage(image);
  if (!resolved.buildable || resolved.buildName === undefined) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `cannot build ${image}: ${resolved.reason ?? 'unknown image'}`, {
      hint: `known images: ${NODE_IMAGE_NAMES.join(', ')}`,
    });
  }
  return resolved.buildName;
}

async function buildVariant(variant: ImageBuildOptions['variant']): Promise<ImageVariant | undefined> {
  if (variant === undefined) return undefined;
  const { variantProblem } = await load();
  const problem = variantProblem(variant);
  if (problem !== undefined) throw new CloudtikError('ERR_CLOUDTIK_USAGE', problem);
  return variant;
}

/** The virtual provider's node images, made and listed on the engine `docker()` connects to. */
export function dockerImageBuilder(docker: () => Promise<DockerEngine>): ImageBuilder {
  return {
    ensure: async (refs, sink) => ensureClusterImages(await docker(), refs, sink),
    async missing(refs) {
      const d = await docker();
      const { imageExists, resolveNodeImage } = await load();
      const out: { ref: string; buildable: boolean }[] = [];
      for (const ref of refs) {
        if (!(await imageExists(d, ref))) out.push({ ref, buildable: resolveNodeImage(ref).buildable === true });
      }
      return out;
    },
    list: async () => (await load()).listNodeImages(await docker()),
    async build(options) {
      const image = await buildTarget(options.image);
      const variant = await buildVariant(options.variant);
      return (await load()).buildAllImages(await docker(), {
        image,
        rebuild: options.rebuild,
        noCache: options.noCache,
        variant,
        sink: options.sink,
        signal: options.signal,
      });
    },
  };
}
