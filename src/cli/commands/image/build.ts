import { formatMemory } from '../../../core/units.js';
import type { ImageBuildResult } from '../../../providers/provider.js';
import { defineCommand, opt } from '../../command-spec.js';
import { imageBuilder, outputOption } from '../../common.js';
import type { Column } from '../../table.js';
import { imageId } from './list.js';

/** The columns of `image build`; `-o wide` shows whole image ids. */
export const BUILD_COLUMNS: Column<ImageBuildResult>[] = [
  { header: 'image', cell: (r) => r.ref },
  { header: 'result', cell: (r) => (r.action === 'cached' ? 'up to date' : r.action) },
  { header: 'image id', cell: (r, wide) => imageId(r.id, wide) },
  { header: 'size', cell: (r) => formatMemory(r.sizeBytes) },
  { header: 'time', cell: (r) => `${(r.ms / 1000).toFixed(1)}s` },
];

export const command = defineCommand({
  name: 'build',
  description:
    'build the node images that are missing or out of date (cloudtik/debian -> cloudtik/base -> cloudtik/cloudtik, and cloudtik/base -> cloudtik/hadoop -> cloudtik/spark -> cloudtik/spark-runtime, and cloudtik/spark -> cloudtik/sql -> cloudtik/sql-runtime, and cloudtik/spark -> cloudtik/streaming -> cloudtik/streaming-runtime); nothing is pulled',
  options: [
    opt.string(
      '--image <name>',
      'build only this image and the ones under it (cloudtik/debian, cloudtik/base, cloudtik/cloudtik, cloudtik/hadoop, cloudtik/spark, cloudtik/spark-runtime, cloudtik/sql, cloudtik/sql-runtime, cloudtik/streaming, cloudtik/streaming-runtime)',
    ),
    opt.flag('--no-cache', "rebuild without Docker's layer cache (implies --force)"),
    opt.flag(
      '--force',
      'rebuild even when up to date (the named image, else every image but cloudtik/debian, which is re-bootstrapped only when named)',
    ),
    opt.string(
      '--os-image <image>',
      'build cloudtik/base on this image instead of cloudtik/debian, for example a CUDA image (it must be in the engine: it is never pulled); needs --variant',
    ),
    opt.string(
      '--variant <name>',
      'with --os-image: tag the images <version>-<name> (for example gpu), next to the default ones',
    ),
    outputOption,
  ],
  async run(_args, opts, ctx) {
    const { CloudtikError } = await import('../../../core/errors.js');
    const { osImage, variant: variantName } = opts;
    if ((osImage === undefined) !== (variantName === undefined)) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', '--os-image and --variant go together', {
        hint: 'for example: cloudtik image build --os-image my/cuda:12 --variant gpu',
      });
    }
    const builder = await imageBuilder();
    const t0 = performance.now();
    const results = await builder.build({
      image: opts.image,
      rebuild: opts.force === true,
      noCache: !opts.cache,
      variant: osImage !== undefined && variantName !== undefined ? { name: variantName, osImage } : undefined,
      sink: (event) => ctx.reporter.event(event),
      signal: ctx.signal,
    });
    const totalMs = Math.round(performance.now() - t0);
    const { renderTable, tableOptions } = await import('../../table.js');
    const table = renderTable(BUILD_COLUMNS, results, tableOptions(opts.output));
    ctx.reporter.result({ images: results, totalMs }, `${table}\n\nDone in ${(totalMs / 1000).toFixed(1)}s.`);
  },
});
