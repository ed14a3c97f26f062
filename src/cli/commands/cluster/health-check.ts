import type { HealthCheck } from '../../../core/cluster/health.js';
import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';
import { statusTint, type Column } from '../../table.js';

const state = (c: HealthCheck): string => (c.healthy ? 'healthy' : 'failed');

export const CHECK_COLUMNS: Column<HealthCheck>[] = [
  { header: 'node', cell: (c) => c.node },
  { header: 'ip', cell: (c) => c.ip ?? '-' },
  { header: 'component', cell: (c) => c.component },
  { header: 'state', cell: state, tint: (c) => statusTint(c.healthy ? 'running' : 'down') },
  { header: 'detail', cell: (c) => c.detail },
];

/** `node (ip) component: detail` for each failed check. Pure. */
export function failureLines(checks: readonly HealthCheck[]): string[] {
  return checks
    .filter((c) => !c.healthy)
    .map((c) => `${c.node}${c.ip ? ` (${c.ip})` : ''} ${c.component}: ${c.detail}`);
}

export const command = defineCommand({
  name: 'health-check',
  description:
    "check the cluster's health: every node up-to-date, its services running, its agent's heartbeats fresh, the controller active; exits 1 naming each failed component",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.flag('--with-details', 'show every check, not only the failed ones'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { clusterHealth } = await import('../../../core/cluster/health.js');
    const { renderTable } = await import('../../table.js');
    const checks = await clusterHealth(config);
    const failed = failureLines(checks);
    const nodes = new Set(checks.map((c) => c.node)).size;
    const summary =
      failed.length === 0
        ? `Cluster ${config.cluster_name} is healthy: ${checks.length} checks on ${nodes} node(s) passed.`
        : [
            `Cluster ${config.cluster_name} is not healthy: ${failed.length} of ${checks.length} checks failed:`,
            ...failed.map((l) => `  ${l}`),
          ].join('\n');
    const text = opts.withDetails === true ? `${renderTable(CHECK_COLUMNS, checks)}\n\n${summary}` : summary;
    ctx.reporter.result(
      { cluster: config.cluster_name, healthy: failed.length === 0, failed: checks.filter((c) => !c.healthy), checks },
      text,
    );
    return failed.length === 0 ? 0 : 1;
  },
});
