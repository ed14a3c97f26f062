import { describe, expect, it } from 'vitest';
import { renderTable } from '../../table.js';
import { STATUS_COLUMNS, type StatusLine } from './status.js';

const now = Date.now();
const LINES: StatusLine[] = [
  {
    row: {
      id: 'c-head',
      kind: 'head',
      nodeType: 'head.default',
      ip: '10.0.0.2',
      state: 'running',
      status: 'up-to-date',
      seqId: 0,
      createdAt: now - 90_000,
      cpus: 2,
      memoryBytes: 2 ** 31,
    },
    controller: undefined,
  },
  {
    row: {
      id: 'c-worker-1',
      kind: 'worker',
      nodeType: 'worker.default',
      ip: undefined,
      state: 'created',
      status: 'created',
      seqId: 1,
      createdAt: Date.parse('2026-01-02T03:04:05.000Z'),
      cpus: 1,
      memoryBytes: 2 ** 30,
      restartCount: 2,
    },
    controller: {
      id: 'c-worker-1',
      ip: undefined,
      nodeType: 'worker.default',
      status: 'created',
      heartbeatAgeMs: undefined,
      inUse: false,
      action: 'launching',
    },
  },
];

describe('status table', () => {
  it('shows a line per node under its header, without borders', () => {
    const [header, head, worker] = renderTable(STATUS_COLUMNS, LINES).split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'NODE',
      'KIND',
      'TYPE',
      'IP',
      'STATUS',
      'HEARTBEAT',
      'RESTARTED',
      'CPU',
      'MEMORY',
      'AGE',
    ]);
    expect(head).toMatch(/^c-head\s+head\s+head\.default\s+10\.0\.0\.2\s+up-to-date\s+-\s+-\s+2\s+2G\s+1m30s$/);
    expect(worker).toMatch(/^c-worker-1\s+worker\s+worker\.default\s+-\s+created\s+none\s+-\s+1\s+1G\s+\S+$/);
    expect(header?.indexOf('STATUS')).toBe(head?.indexOf('up-to-date'));
  });

  it('-o wide adds the sequence, state, restarts, creation time and the controller action', () => {
    const text = renderTable(STATUS_COLUMNS, LINES, { wide: true });
    expect(text.split('\n')[0]).toMatch(
      /^NODE\s+KIND\s+TYPE\s+SEQ\s+IP\s+STATUS\s+STATE\s+HEARTBEAT\s+RESTARTED\s+RESTARTS/,
    );
    expect(text).toMatch(/CREATED\s+ACTION$/m);
    expect(text).toMatch(/ 2 +1 +1G +\S+ +2026-01-02T03:04:05\.000Z +launching$/m);
  });
});
