import { formatMemory } from '../../../core/units.js';
import type { NodeImageRow } from '../../../providers/provider.js';
import { defineCommand } from '../../command-spec.js';
import { formatAge, imageBuilder, outputOption } from '../../common.js';
import type { Column } from '../../table.js';

/** An image id as `docker images` shows it (12 hex digits), or whole with `-o wide`. */
export function imageId(id: string, wide: boolean): string {
  return wide ? id : id.replace(/^sha256:/, '').slice(0, 12);
}

/** The columns of `image list`; `-o wide` shows whole ids and hashes and the creation time. */
export const IMAGE_COLUMNS: Column<NodeImageRow>[] = [
  { header: 'image', cell: (r) => r.name },
  { header: 'tag', cell: (r) => r.tag },
  { header: 'image id', cell: (r, wide) => imageId(r.id, wide) },
  { header: 'hash', cell: (r, wide) => (wide ? r.hash : r.hash?.slice(0, 12)) ?? '-' },
  { header: 'size', cell: (r) => formatMemory(r.sizeBytes) },
  {
    header: 'created',
    cell: (r, wide) => (wide ? r.createdAt : `${formatAge(Date.parse(r.createdAt))} ago`),
  },
];

export const command = defineCommand({
  name: 'list',
  aliases: ['ls'],
  description: 'list the cloudtik node images in the local Docker engine (tag, content hash, size, age)',
  options: [outputOption],
  async run(_args, opts, ctx) {
    const { renderTable, tableOptions } = await import('../../table.js');
    const rows = await (await imageBuilder()).list();
    ctx.reporter.result(
      { images: rows },
      rows.length === 0
        ? 'No cloudtik node images; build them with: cloudtik image build'
        : renderTable(IMAGE_COLUMNS, rows, tableOptions(opts.output)),
    );
  },
});
