/**
 * The node services' log (agent, controller, docker gate): pino, one JSON object per line written
 * synchronously to stdout, which the supervisor appends to the service's log file: `level` (20
 * debug, 30 info, 40 warn, 50 error), `time` (ms since the epoch), the base fields, the call's
 * fields, `msg`. An `Error` in the `err` field becomes its type, message, stack, code and cause.
 * Bundled, pino costs a service a few ms of CPU more than a hand-written logger
 * (bench/libraries.mjs), not enough to keep one of our own.
 */
import fs from 'node:fs';
import { pino } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

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

function writeStdout(line: string): void {
  try {
    fs.writeSync(1, line);
  } catch {
    // Nowhere to report a log that cannot be written.
  }
}

/** A logger whose lines carry `base` (such as the service name and pid). */
export function createLogger(base: Record<string, unknown>, options: LoggerOptions = {}): Logger {
  const now = options.now;
  const log = pino(
    {
      base,
      level: options.level ?? 'info',
      serializers: { err: pino.stdSerializers.errWithCause },
      ...(now ? { timestamp: () => `,"time":${now()}` } : {}),
    },
    { write: options.write ?? writeStdout },
  );
  const emit =
    (level: LogLevel) =>
    (fields: object | string, msg?: string): void => {
      if (typeof fields === 'string') log[level](fields);
      else log[level](fields, msg);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
