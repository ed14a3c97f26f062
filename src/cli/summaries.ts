import type { Endpoint } from '../core/cluster/runtimes.js';
import type { StartResult } from '../core/cluster/start.js';
import { formatPhases } from '../core/updater/node-updater.js';
import type { ClusterEvent, ControllerStatus } from '../core/state/store.js';
import { indented, layout } from './table.js';

function secs(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`;
}

/** The runtimes' web UIs and addresses, one per line. */
export function renderEndpoints(endpoints: readonly Endpoint[]): string[] {
  if (endpoints.length === 0) return [];
  return ['  endpoints:', ...indented(layout(endpoints.map((e) => [e.name, e.url])), 4)];
}

/** The next commands a user typically runs on a cluster (and its runtimes' own). */
export function usefulCommands(file: string, runtimeLines: readonly string[] = []): string {
  return [
    'Useful commands:',
    `  cloudtik status ${file}              # the nodes and their status`,
    `  cloudtik attach ${file}              # a shell on the head`,
    `  cloudtik exec ${file} 'hostname'     # run a command on the head (--all-nodes for every node)`,
    `  cloudtik upload ${file} SRC DST      # copy files to the head`,
    `  cloudtik scale ${file} --workers N   # keep at least N workers`,
    `  cloudtik events ${file}              # what the head's controller did and why`,
    `  cloudtik monitor ${file}             # follow the controller's log`,
    ...runtimeLines.map((l) => `  ${l}`),
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
    `Timing: total ${secs(result.timings.total)} = images ${secs(result.timings.images)}, head ${secs(result.timings.nodes)}, head update ${secs(result.timings.update)}, workers ${secs(result.timings.workers)}` +
      (phaseTotals.size > 0 ? ` (slowest node: ${formatPhases(Object.fromEntries(phaseTotals))})` : '') +
      (skipped > 0 ? `; setup skipped on ${skipped} unchanged node(s)` : ''),
    ...(result.rerunWorkers.length > 0 ? [`Setup run again on worker(s) ${result.rerunWorkers.join(', ')}.`] : []),
    ...renderEndpoints(result.endpoints),
    '',
    usefulCommands(
      file,
      result.usage.map((u) => u.replaceAll('{file}', file)),
    ),
  ];
  return lines.join('\n');
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** One controller event as a line: time, what, why. */
export function formatEvent(e: ClusterEvent): string {
  return `${clock(e.time)}  ${e.kind.padEnd(13)} ${e.message}`;
}

/** A JSON log line of a node service as `time level message {fields}`; other lines as they are. */
export function formatLogLine(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const levels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
  const { time, level, msg, ...rest } = rec;
  for (const k of ['pid', 'hostname', 'service']) delete rest[k];
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const when = typeof time === 'number' ? clock(time) : '--:--:--';
  return `${when} ${(levels[Number(level)] ?? String(level)).padEnd(5)} ${typeof msg === 'string' ? msg : JSON.stringify(msg ?? '')}${extra}`;
}

/** The controller's part of `status`: targets per type, what it is doing and why, and problems. */
export function renderControllerStatus(
  s: ControllerStatus | undefined,
  error: string | undefined,
  now = Date.now(),
): string {
  if (!s) return `Controller: ${error ?? 'no status published yet'}`;
  const age = Math.max(0, Math.round((now - s.time) / 1000));
  const lines = [
    `Controller: pass ${s.pass} ${age}s ago (${s.passMs} ms)${age > 30 ? ' — stale: is it running? (cloudtik monitor)' : ''}`,
  ];
  for (const [type, t] of Object.entries(s.targets)) {
    const pending = s.pending[type] ?? 0;
    lines.push(
      `  ${type}: ${t.upToDate} up-to-date of ${t.total} (min ${t.min}, max ${t.max})${pending > 0 ? `, ${pending} launching` : ''}`,
    );
  }
  for (const w of s.workers.filter((w) => w.action)) lines.push(`  ${w.id}: ${w.action}`);
  for (const [type, why] of Object.entries(s.blocked)) lines.push(`  ! ${type}: ${why}`);
  for (const m of s.messages) lines.push(`  ! ${m}`);
  if (s.requests.length > 0) {
    lines.push(`  requests: ${s.requests.map((r) => r.origin ?? `${r.bundles.length} bundle(s)`).join('; ')}`);
  }
  return lines.join('\n');
}
