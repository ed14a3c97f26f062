import { describe, expect, it } from 'vitest';
import {
  indented,
  layout,
  parseOutputFormat,
  renderTable,
  statusTint,
  stdoutColor,
  stripAnsi,
  visibleWidth,
  type Column,
} from './table.js';

const RED = (s: string): string => `\x1b[31m${s}\x1b[39m`;

describe('visibleWidth', () => {
  it.each([
    ['plain ascii', 'up-to-date', 10],
    ['empty', '', 0],
    ['colour codes count as nothing', RED('down'), 4],
    ['bold and reset', '\x1b[1mNODE\x1b[22m', 4],
    ['a hyperlink shows its text only', '\x1b]8;;http://x\x07link\x1b]8;;\x07', 4],
    ['CJK characters take two columns', '集群', 4],
    ['fullwidth letters take two columns', 'ＡＢ', 4],
    ['an emoji takes two columns', 'ok ✅', 5],
    ['a combining accent takes none', 'e\u0301', 1],
    ['spinner and check marks take one', '⠋✔', 2],
  ])('%s', (_what, text, width) => {
    expect(visibleWidth(text)).toBe(width);
  });
});

describe('layout', () => {
  it.each([
    ['no rows', [], ''],
    ['a header alone', [['NODE', 'IP']], 'NODE  IP'],
    [
      'columns padded to the widest cell, two spaces apart, the last unpadded',
      [
        ['NODE', 'IP', 'STATUS'],
        ['head-1', '10.0.0.2', 'up-to-date'],
        ['w', '-', 'setting-up'],
      ],
      'NODE    IP        STATUS\nhead-1  10.0.0.2  up-to-date\nw       -         setting-up',
    ],
    [
      'wide characters pad by what the terminal shows',
      [
        ['NAME', 'X'],
        ['集群', 'a'],
        ['abcdef', 'b'],
      ],
      'NAME    X\n集群    a\nabcdef  b',
    ],
    [
      'short rows leave no trailing blanks',
      [
        ['A', 'B', 'C'],
        ['x', 'y'],
      ],
      'A  B  C\nx  y',
    ],
  ])('%s', (_what, rows, text) => {
    expect(layout(rows)).toBe(text);
  });

  it('coloured cells stay aligned: without the codes the lines are those of the plain table', () => {
    const plain = [
      ['STATE', 'LOG'],
      ['running', 'a.log'],
      ['down', 'b.log'],
    ];
    const coloured = plain.map((r, i) => (i === 2 ? [RED(r[0]!), r[1]!] : r));
    expect(stripAnsi(layout(coloured))).toBe(layout(plain));
    expect(layout(coloured)).toContain(`${RED('down')}     b.log`);
  });
});

interface Row {
  id: string;
  status: string;
  seq: number;
}

const COLUMNS: Column<Row>[] = [
  { header: 'node', cell: (r) => r.id },
  { header: 'seq', cell: (r) => String(r.seq), wide: true },
  { header: 'status', cell: (r) => r.status, tint: (r) => statusTint(r.status) },
];
const ROWS: Row[] = [
  { id: 'head', status: 'up-to-date', seq: 0 },
  { id: 'worker-12', status: 'update-failed', seq: 12 },
];

describe('renderTable', () => {
  it.each([
    ['an empty table is its header', [], {}, 'NODE  STATUS'],
    [
      'the default columns, headers in capitals',
      ROWS,
      {},
      'NODE       STATUS\nhead       up-to-date\nworker-12  update-failed',
    ],
    [
      '-o wide adds its columns in place',
      ROWS,
      { wide: true },
      'NODE       SEQ  STATUS\nhead       0    up-to-date\nworker-12  12   update-failed',
    ],
    ['no colour unless asked for', ROWS.slice(1), { color: false }, 'NODE       STATUS\nworker-12  update-failed'],
  ])('%s', (_what, rows, options, text) => {
    expect(renderTable(COLUMNS, rows, options)).toBe(text);
  });

  it('with colour, tinted cells carry codes and the layout is unchanged', () => {
    const text = renderTable(COLUMNS, ROWS, { color: true, wide: true });
    expect(text).toContain('\x1b[31mupdate-failed\x1b[39m');
    expect(text).toContain('\x1b[32mup-to-date\x1b[39m');
    expect(stripAnsi(text)).toBe(renderTable(COLUMNS, ROWS, { wide: true }));
  });
});

describe('statusTint', () => {
  it.each([
    ['up-to-date', 'green'],
    ['running', 'green'],
    ['update-failed', 'red'],
    ['down', 'red'],
    ['exited', 'red'],
    ['setting-up', 'yellow'],
    ['uninitialized', 'yellow'],
    ['something else', undefined],
  ])('%s is %s', (status, tint) => {
    expect(statusTint(status)).toBe(tint);
  });
});

describe('indented', () => {
  it('sets every line of a table in, for a table under a heading', () => {
    expect(indented('A  B\nx  y', 4)).toEqual(['    A  B', '    x  y']);
  });
});

describe('output format and colour', () => {
  it('-o takes wide and refuses others, naming what it takes', () => {
    expect(parseOutputFormat('wide')).toBe('wide');
    expect(() => parseOutputFormat('yaml')).toThrow('unknown output format "yaml": use wide (or --json)');
  });

  it('colours only a terminal', () => {
    expect(stdoutColor({ isTTY: false })).toBe(false);
    expect(stdoutColor({})).toBe(false);
  });
});
