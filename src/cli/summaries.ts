import type { StartResult } from '../core/cluster/start.js';

function secs(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`;
}

/** The next commands a user typically runs on a cluster. */
export function usefulCommands(file: string): string {
  return [
    'Useful commands:',
    `  cloudtik status ${file}              # the nodes and their status`,
    `  cloudtik attach ${file}              # a shell on the head`,
    `  cloudtik exec ${file} 'hostname'     # run a command on the head (--all-nodes for every node)`,
    `  cloudtik upload ${file} SRC DST      # copy files to the head`,
    `  cloudtik stop ${file}                # remove the cluster`,
  ].join('\n');
}

/** After `start`: the nodes, a per-phase timing summary and what to do next. */
export function renderStartSummary(result: StartResult, file: string): string {
  const phaseTotals = new Map<string, number>();
  for (const u of result.updates)
    for (const [p, ms] of Object.entries(u.phases)) phaseTotals.set(p, Math.max(phaseTotals.get(p) ?? 0, ms));
  const skipped = result.updates.filter((u) => u.setupSkipped).length;
  const lines = [
    `Cluster ${result.cluster} is up: head ${result.head.ip ?? '-'}, ${result.workers.length} worker(s)` +
      (result.created.head || result.created.workers > 0
        ? ` (created ${result.created.head ? 'head + ' : ''}${result.created.workers} worker(s))`
        : '') +
      '.',
    `Timing: total ${secs(result.timings.total)} = images ${secs(result.timings.images)}, nodes ${secs(result.timings.nodes)}, update ${secs(result.timings.update)}` +
      (phaseTotals.size > 0
        ? ` (slowest node: ${[...phaseTotals].map(([p, ms]) => `${p} ${secs(ms)}`).join(', ')})`
        : '') +
      (skipped > 0 ? `; setup skipped on ${skipped} unchanged node(s)` : ''),
    '',
    usefulCommands(file),
  ];
  return lines.join('\n');
}
