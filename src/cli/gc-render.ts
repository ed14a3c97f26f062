/** How `cloudtik gc` reads: the leaks by kind, what was removed, what could not be. Pure. */
import type { GcResult, Leak } from '../core/gc/index.js';
import { renderTable, type Column } from './table.js';

const COLUMNS: Column<Leak>[] = [
  { header: 'kind', cell: (l) => l.kind },
  { header: 'what', cell: (l) => l.name },
  { header: 'cluster', cell: (l) => (l.cluster ? `${l.workspace ?? ''}/${l.cluster}` : '-') },
  { header: 'why', cell: (l) => l.reason },
];

export function renderGc(result: GcResult, removing: boolean): string {
  const lines = result.skipped.map((s) => `Not looked at: ${s}`);
  if (result.leaks.length === 0) return [...lines, 'Nothing belongs to no live cluster: nothing to remove.'].join('\n');
  lines.push(renderTable(COLUMNS, result.leaks), '');
  if (!removing) {
    lines.push(`${result.leaks.length} leftover(s). Remove them with: cloudtik gc --yes`);
  } else {
    lines.push(`Removed ${result.removed.length} of ${result.leaks.length} leftover(s).`);
    for (const f of result.failed) lines.push(`Could not remove ${f.leak.kind} ${f.leak.name}: ${f.error}`);
  }
  return lines.join('\n');
}
