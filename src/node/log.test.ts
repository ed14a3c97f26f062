import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

function capture(level?: 'debug' | 'info') {
  const lines: string[] = [];
  const log = createLogger({ service: 'agent', pid: 7 }, { level, write: (l) => lines.push(l), now: () => 1000 });
  return { log, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('node service log', () => {
  it("writes one JSON object per line in pino's shape", () => {
    const c = capture();
    c.log.info({ node: 'n1', ip: '10.0.0.2' }, 'node agent started');
    c.log.warn('heartbeats late');
    expect(c.lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(c.records()).toEqual([
      { level: 30, time: 1000, service: 'agent', pid: 7, node: 'n1', ip: '10.0.0.2', msg: 'node agent started' },
      { level: 40, time: 1000, service: 'agent', pid: 7, msg: 'heartbeats late' },
    ]);
  });

  it('leaves debug out unless asked', () => {
    const quiet = capture();
    quiet.log.debug({}, 'detail');
    quiet.log.error({}, 'bad');
    expect(quiet.records().map((r) => r.level)).toEqual([50]);
    const loud = capture('debug');
    loud.log.debug({}, 'detail');
    expect(loud.records()).toEqual([{ level: 20, time: 1000, service: 'agent', pid: 7, msg: 'detail' }]);
  });

  it('writes errors with their type, message, code, stack and cause', () => {
    const c = capture();
    const err = Object.assign(new TypeError('no route', { cause: new Error('ECONNREFUSED') }), { code: 'E1' });
    c.log.error({ err }, 'pass failed');
    const [r] = c.records();
    expect(r?.err).toMatchObject({
      type: 'TypeError',
      message: 'no route',
      code: 'E1',
      cause: { message: 'ECONNREFUSED' },
    });
    expect(String((r?.err as { stack: string }).stack)).toMatch(/TypeError: no route/);
  });

  it('still writes the line when a field has a cycle or a BigInt', () => {
    const c = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    c.log.info({ cyclic, n: 1n }, 'odd fields');
    expect(c.records()).toEqual([
      { level: 30, time: 1000, service: 'agent', pid: 7, cyclic: { self: '[Circular]' }, n: 1, msg: 'odd fields' },
    ]);
  });
});
