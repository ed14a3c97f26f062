import type { WorkspaceDetails } from '../../../core/workspace.js';
import { defineCommand } from '../../command-spec.js';
import { outputOption } from '../../common.js';
import { workspaceJson } from '../../json.js';
import type { Column } from '../../table.js';

/** The columns of `workspace list`; `-o wide` adds the bridge, the gateway, node counts and the creation time. */
export const WORKSPACE_COLUMNS: Column<WorkspaceDetails>[] = [
  { header: 'workspace', cell: (w) => w.name },
  { header: 'network', cell: (w) => w.network },
  { header: 'bridge', cell: (w) => w.bridge ?? '-', wide: true },
  { header: 'subnet', cell: (w) => w.subnet ?? '-' },
  { header: 'gateway', cell: (w) => w.gateway ?? '-', wide: true },
  { header: 'created', cell: (w) => w.createdAt ?? '-', wide: true },
  {
    header: 'clusters',
    cell: (w, wide) =>
      w.clusters.map((c) => (wide ? `${c.name} (${c.running}/${c.head + c.workers} running)` : c.name)).join(', ') ||
      '-',
  },
];

export const command = defineCommand({
  name: 'list',
  description: 'list the workspaces on this machine and their clusters',
  options: [outputOption],
  async run(_args, opts, ctx) {
    const { listAllWorkspaces } = await import('../../../core/workspace.js');
    const { renderTable, tableOptions } = await import('../../table.js');
    const all = await listAllWorkspaces();
    ctx.reporter.result(
      { workspaces: all.map(workspaceJson) },
      all.length === 0 ? 'No workspaces.' : renderTable(WORKSPACE_COLUMNS, all, tableOptions(opts.output)),
    );
  },
});
