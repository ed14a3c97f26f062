import pc from 'picocolors';
import { env } from '../config/env.js';

/**
 * Tables as kubectl prints them: a header row in capitals, columns padded to their widest cell and
 * two spaces apart, no borders. Cells may be coloured: padding counts what a terminal shows, so
 * escape codes and wide characters (CJK, emoji) keep the columns aligned.
 */

/** `-o` formats; `wide` adds columns that are too long or too many for one line per row. */
export const OUTPUT_FORMATS = ['wide'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type Tint = 'green' | 'yellow' | 'red' | 'dim';

export interface Column<R> {
  /** Printed in capitals. */
  header: string;
  /** `wide` is true with `-o wide`, for cells that show more there (full ids and times). */
  cell(row: R, wide: boolean): string;
  /** Shown only with `-o wide`. */
  wide?: boolean;
  /** The cell's colour on a terminal (none when undefined). */
  tint?(row: R): Tint | undefined;
}

export interface TableOptions {
  wide?: boolean;
  /** Colour the cells that have a tint (only when the output is a terminal: see {@link stdoutColor}). */
  color?: boolean;
}

const GAP = '  ';
// CSI sequences (colours, cursor moves) and OSC sequences (hyperlinks): shown as nothing.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
const ZERO_WIDTH = /^(?:[\p{Mn}\p{Me}\p{Cc}\p{Cf}]|[\uFE00-\uFE0F])$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;

/** East Asian wide and fullwidth blocks: two terminal columns each. */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x20000, 0x3fffd],
];

export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '');
}

function charWidth(ch: string): number {
  if (ZERO_WIDTH.test(ch)) return 0;
  if (EMOJI.test(ch)) return 2;
  const code = ch.codePointAt(0) ?? 0;
  return WIDE_RANGES.some(([lo, hi]) => code >= lo && code <= hi) ? 2 : 1;
}

/** The columns `text` takes on a terminal. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const ch of stripAnsi(text)) width += charWidth(ch);
  return width;
}

/** Rows of cells as aligned lines; the last column is not padded (no trailing blanks). */
export function layout(rows: readonly (readonly string[])[]): string {
  const count = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: count }, (_, i) => Math.max(0, ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  return rows
    .map((r) =>
      Array.from({ length: count }, (_, i) => {
        const cell = r[i] ?? '';
        return i === count - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleWidth(cell));
      })
        .join(GAP)
        .trimEnd(),
    )
    .join('\n');
}

/** The lines of a table set in by `spaces`, to sit under a heading in a summary. */
export function indented(table: string, spaces: number): string[] {
  return table.split('\n').map((line) => ' '.repeat(spaces) + line);
}

/** A table of `rows`: the header, then a line per row (only the header when there are none). */
export function renderTable<R>(columns: readonly Column<R>[], rows: readonly R[], options: TableOptions = {}): string {
  const shown = columns.filter((c) => options.wide === true || c.wide !== true);
  const c = pc.createColors(options.color === true);
  const paint = (col: Column<R>, row: R): string => {
    const text = col.cell(row, options.wide === true);
    const tint = col.tint?.(row);
    return tint === undefined ? text : c[tint](text);
  };
  return layout([
    shown.map((col) => col.header.toUpperCase()),
    ...rows.map((row) => shown.map((col) => paint(col, row))),
  ]);
}

/** Whether tables on stdout may be coloured: stdout is a terminal and NO_COLOR is not set. */
export function stdoutColor(stream: { isTTY?: boolean } = process.stdout): boolean {
  return stream.isTTY === true && !env.noColor();
}

/** The tint of a node or service status: green when fine, yellow while on its way, red when failed or down. */
export function statusTint(status: string): Tint | undefined {
  if (/^(up-to-date|running|answers)$/.test(status)) return 'green';
  if (/fail|down|closed|exited|dead|terminated/.test(status)) return 'red';
  if (/^(uninitialized|setting-up|waiting|updating|pending|created|restarting|launching)/.test(status)) return 'yellow';
  return undefined;
}

/** The table options of a command's `-o` (and of stdout: colour on a terminal). */
export function tableOptions(output: OutputFormat | undefined): TableOptions {
  return { wide: output === 'wide', color: stdoutColor() };
}

/** Parse `-o <format>`; refuses a format it does not know, naming the ones it does. */
export function parseOutputFormat(value: string): OutputFormat {
  const format = OUTPUT_FORMATS.find((f) => f === value);
  if (format === undefined) {
    throw new Error(`unknown output format ${JSON.stringify(value)}: use ${OUTPUT_FORMATS.join(', ')} (or --json)`);
  }
  return format;
}
