import type { CommandSpec } from '../../command-spec.js';

export const command: CommandSpec = {
  name: 'list',
  aliases: ['ls'],
  description: 'list the cloudtik node images in the local Docker engine (tag, content hash, size, age)',
  async run(_args, _opts, ctx) {
    const { imageBuilder } = await import('../../common.js');
    const rows = await (await imageBuilder()).list();
    const { formatAge, formatBytes } = await import('../../common.js');
    const { default: Table } = await import('cli-table3');
    const table = new Table({
      head: ['IMAGE', 'TAG', 'IMAGE ID', 'HASH', 'SIZE', 'CREATED'],
      style: { head: [], border: [] },
    });
    for (const r of rows) {
      table.push([
        r.name,
        r.tag,
        r.id.replace(/^sha256:/, '').slice(0, 12),
        r.hash?.slice(0, 12) ?? '-',
        formatBytes(r.sizeBytes),
        `${formatAge(Date.parse(r.createdAt))} ago`,
      ]);
    }
    ctx.reporter.result(
      rows,
      rows.length === 0 ? 'No cloudtik node images; build them with: cloudtik image build' : table.toString(),
    );
  },
};
