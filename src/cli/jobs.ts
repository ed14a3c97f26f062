/** How jobs print: the list as a table, one job as key-value lines. */
import { formatResources, type JobRecord } from '../core/jobs/model.js';
import { formatAge } from './common.js';
import { renderTable, type Column, type Tint } from './table.js';

function stateTint(j: JobRecord): Tint | undefined {
  if (j.state === 'succeeded') return 'green';
  if (j.state === 'failed') return 'red';
  if (j.state === 'cancelled') return 'dim';
  return j.state === 'running' ? 'yellow' : undefined;
}

/** How long it ran (or has run so far, or waited while queued). */
export function jobDuration(j: JobRecord, now = Date.now()): string {
  if (j.startedAt === undefined) return j.state === 'queued' ? `queued ${formatAge(j.submittedAt, now)}` : '-';
  return formatAge(j.startedAt, j.endedAt ?? now);
}

const COLUMNS: Column<JobRecord>[] = [
  { header: 'id', cell: (j) => j.id },
  { header: 'state', cell: (j) => j.state, tint: stateTint },
  { header: 'runtime', cell: (j) => j.runtime },
  { header: 'file', cell: (j) => [j.file, ...j.args].join(' ') },
  { header: 'user', cell: (j) => j.user },
  { header: 'resources', cell: (j) => formatResources(j.resources) },
  {
    header: 'submitted',
    cell: (j, wide) => (wide ? new Date(j.submittedAt).toISOString() : `${formatAge(j.submittedAt)} ago`),
  },
  { header: 'duration', cell: (j) => jobDuration(j) },
  { header: 'exit', cell: (j) => (j.exitCode === undefined ? '' : String(j.exitCode)) },
  { header: 'reason', cell: (j) => j.reason ?? '', wide: true },
];

export function jobTable(jobs: readonly JobRecord[], options: { wide?: boolean; color?: boolean }): string {
  return jobs.length === 0 ? 'No jobs yet.' : renderTable(COLUMNS, jobs, options);
}

const time = (t: number | undefined): string => (t === undefined ? '-' : new Date(t).toISOString());

export function jobDetails(j: JobRecord): string {
  const rows: [string, string | undefined][] = [
    ['job', j.id],
    ['state', j.reason ? `${j.state} (${j.reason})` : j.state],
    ['file', [j.file, ...j.args].join(' ')],
    ['runtime', j.runtime],
    ['user', j.user],
    ['resources', formatResources(j.resources)],
    ['submitted', time(j.submittedAt)],
    ['started', time(j.startedAt)],
    ['ended', time(j.endedAt)],
    ['duration', jobDuration(j)],
    ['exit code', j.exitCode === undefined ? undefined : String(j.exitCode)],
    ['output', `~/${j.dir}/stdout.log, ~/${j.dir}/stderr.log on the head`],
    ['spark log', j.sparkLog ? `~/${j.sparkLog} on the head` : undefined],
    ['in hdfs', j.hdfsDir],
    ['yarn tag', j.yarnTag],
  ];
  return rows
    .filter((r): r is [string, string] => r[1] !== undefined)
    .map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`)
    .join('\n');
}
