import type { CommandSpec } from '../../command-spec.js';

export const command: CommandSpec = {
  name: 'list',
  description: 'list the workspaces on this machine and their clusters',
  async run(_args, _opts, ctx) {
    const { listAllWorkspaces } = await import('../../../core/workspace.js');
    const all = await listAllWorkspaces();
    const { default: Table } = await import('cli-table3');
    const table = new Table({ head: ['WORKSPACE', 'NETWORK', 'SUBNET', 'CLUSTERS'], style: { head: [], border: [] } });
    for (const w of all)
      table.push([w.name, w.network, w.subnet ?? '-', w.clusters.map((c) => c.name).join(', ') || '-']);
    ctx.reporter.result(all, all.length === 0 ? 'No workspaces.' : table.toString());
  },
};
