import { ensureImage, imageExists, resolveNodeImage } from '../../providers/virtual/images.js';
import { CloudtikError } from '../errors.js';
import { logEvent, type EventSink } from '../events.js';
import type { ClusterContext } from './context.js';

/**
 * Make sure every image the cluster's nodes run is in the engine: present ones are used as
 * they are (a quick look, no hashing, so `start` stays fast), missing ones that cloudtik knows
 * how to make are built, anything else is an error: nothing is ever pulled.
 */
export async function ensureClusterImages(ctx: ClusterContext, refs: string[], sink: EventSink): Promise<void> {
  for (const ref of refs) {
    if (await imageExists(ctx.docker, ref)) continue;
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
    await ensureImage(ctx.docker, { image: resolved.buildName, sink });
  }
}
