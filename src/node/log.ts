/**
 * The node services' log (agent, controller): one JSON object per line, written synchronously to
 * stdout, which the supervisor appends to the service's log file. The shape is pino's, so tools that
 * read pino logs read these: `level` (20 debug, 30 info, 40 warn, 50 error), `time` (ms since the
 * epoch), the base fields, the call's fields, `msg`; an `Error` field becomes its type, message,
 * stack and code. Written here because loading pino cost every service about 45 ms of CPU time as
 * the nodes start.
 */
import fs from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface Logger {
  debug(fields: object | string, msg?: string): void;
  info(fields: object | string, msg?: string): void;
  warn(fields: object | string, msg?: string): void;
  error(fields: object | string, msg?: string): void;
}

export interface LoggerOptions {
  /** The lowest level written (default `info`). */
  level?: LogLevel;
  /** Where a line goes (default: stdout, synchronously). */
  write?: (line: string) => void;
  now?: () => number;
}

function serializeError(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.constructor.name, message: err.message, stack: err.stack };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (err.cause instanceof Error) out.cause = serializeError(err.cause);
  return out;
}

function writeStdout(line: string): void {
  try {
    fs.writeSync(1, line);
  } catch {
    // Nowhere to report a log that cannot be written.
  }
}

/** A logger whose lines carry `base` (such as the service name and pid). */
export function createLogger(base: Record<string, unknown>, options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const write = options.write ?? writeStdout;
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, fields: object | string, msg?: string): void => {
    if (LEVELS[level] < min) return;
    const record: Record<string, unknown> = { level: LEVELS[level], time: now(), ...base };
    if (typeof fields === 'string') msg = fields;
    else {
      for (const [key, value] of Object.entries(fields))
        record[key] = value instanceof Error ? serializeError(value) : value;
    }
    if (msg !== undefined) record.msg = msg;
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      // A field that does not serialise (a cycle, a BigInt): the line without the fields.
      line = JSON.stringify({ level: LEVELS[level], time: record.time, ...base, msg });
    }
    write(`${line}\n`);
  };
  return {
    debug: (fields, msg) => emit('debug', fields, msg),
    info: (fields, msg) => emit('info', fields, msg),
    warn: (fields, msg) => emit('warn', fields, msg),
    error: (fields, msg) => emit('error', fields, msg),
  };
}
