import { spawn, spawnSync } from 'node:child_process';
import { Duplex, type Readable } from 'node:stream';
import fs from 'node:fs';
import path from 'node:path';
import { env } from '../config/env.js';
import { CloudtikError, type ErrorCode } from './errors.js';

/** What a host tool run returns; a non-zero exit is not thrown, the caller decides. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The last lines of stdout and stderr interleaved, for error details. */
  tail: string[];
}

export interface ToolOptions {
  cwd?: string;
  /** The program's environment; default {@link env.toolEnv}. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Written to the process's stdin (a string, or a stream piped in); none: stdin is closed. */
  input?: string | NodeJS.ReadableStream;
  /** Raw output as it arrives (binary-safe). */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** false: do not collect stdout/stderr into the result (long or binary output; use the callbacks). */
  keepOutput?: boolean;
  /** Called with every complete output line (both streams). */
  onLine?: (line: string) => void;
  /** Keep this many last lines in {@link ToolResult.tail}. */
  tailLines?: number;
}

/** The absolute path of `name` on the tool search path, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of env.toolSearchPath()) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Keeps the last lines of a program's output (both streams, as they interleave) for error details. */
class LineTail {
  readonly lines: string[] = [];
  private readonly partial = { stdout: '', stderr: '' };

  constructor(
    private readonly keep: number,
    private readonly onLine?: (line: string) => void,
  ) {}

  feed(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const lines = (this.partial[stream] + chunk.toString('utf8')).split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.push(line);
  }

  /** The program ended: its last lines without a newline count too. */
  finish(): string[] {
    for (const rest of [this.partial.stdout, this.partial.stderr]) if (rest !== '') this.push(rest);
    this.partial.stdout = this.partial.stderr = '';
    return this.lines;
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
    this.onLine?.(line);
  }
}

/** How a program ended, as an exit code (a program ended by a signal counts as 128). */
function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? (signal === null ? 1 : 128);
}

/**
 * The one process adapter: run a host program (npm, tar, debootstrap, ssh) with captured output.
 * Rejects only when it cannot be started (or `signal` stopped it).
 */
export function runTool(file: string, args: string[], options: ToolOptions = {}): Promise<ToolResult> {
  const collect = options.keepOutput !== false;
  const tail = new LineTail(options.tailLines ?? 30, options.onLine);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? env.toolEnv(),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    if (child.stdin) {
      // A program that exits without reading all its input closes the pipe: its exit code tells.
      child.stdin.on('error', () => undefined);
      if (typeof options.input === 'string') child.stdin.end(options.input);
      else options.input?.pipe(child.stdin);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => {
      options.onStdout?.(c);
      if (!collect) return; // uncollected stdout may be binary: no line tail
      out.push(c);
      tail.feed('stdout', c);
    });
    child.stderr?.on('data', (c: Buffer) => {
      options.onStderr?.(c);
      if (collect) err.push(c);
      tail.feed('stderr', c);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code: exitCode(code, signal),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        tail: tail.finish(),
      });
    });
  });
}

/** What {@link toolError} says about a program that failed. */
export interface ToolFailure {
  code: ErrorCode;
  /** What the program was for: `debootstrap bookworm`, `initialization command for node x`. */
  what: string;
  /** The command as a person would run it again (not a generated wrapper script). */
  command: string;
  hint?: string;
}

/** The error for a program that exited non-zero: what failed, its command and exit code, the tail of its output. */
export function toolError(result: Pick<ToolResult, 'code' | 'tail'>, failure: ToolFailure): CloudtikError {
  return new CloudtikError(failure.code, `${failure.what} failed (exit code ${result.code}): ${failure.command}`, {
    details: result.tail.filter((line) => line.trim() !== ''),
    hint: failure.hint,
  });
}

/** A program whose output is a byte stream for another consumer (`tar -c` into `docker import`). */
export interface ToolStream {
  /** The program's stdout, with back-pressure. */
  stdout: Readable;
  /** How it ended; `stdout` is empty in the result, `tail` holds its stderr. */
  done: Promise<ToolResult>;
  /** End the program (its consumer failed). */
  kill(): void;
}

/** Start a program whose stdout is read as a stream; its stderr is kept for the error. */
export function streamTool(file: string, args: string[], options: { signal?: AbortSignal } = {}): ToolStream {
  const child = spawn(file, args, { env: env.toolEnv(), stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
  const tail = new LineTail(20);
  const err: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => {
    err.push(c);
    tail.feed('stderr', c);
  });
  const done = new Promise<ToolResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: exitCode(code, signal),
        stdout: '',
        stderr: Buffer.concat(err).toString('utf8'),
        tail: tail.finish(),
      }),
    );
  });
  // The consumer may fail first and never wait for `done`: its rejection is then no crash.
  done.catch(() => undefined);
  return { stdout: child.stdout, done, kill: () => child.kill() };
}

/**
 * argv that runs this same CLI again with `args` (on the same Node): a node service, a runtime
 * helper or the proxy, started by the CLI itself.
 */
export function ownCliArgv(...args: string[]): [string, ...string[]] {
  const cli = process.argv[1];
  if (!cli) throw new Error('cannot tell where the cloudtik CLI is');
  return [process.execPath, cli, ...args];
}

/**
 * Start a long-lived program in its own process group, detached from ours (a node service's
 * supervisor outlives `cloudtik node start`). Returns its pid, or undefined when it could not start.
 */
export function startDetached(file: string, args: string[], options: { env: NodeJS.ProcessEnv }): number | undefined {
  const child = spawn(file, args, { detached: true, stdio: 'ignore', env: options.env });
  // A failed start is reported by the missing pid; the event would otherwise crash the process.
  child.on('error', () => undefined);
  child.unref();
  return child.pid;
}

/**
 * Run a program on this terminal (its stdin, stdout and stderr are ours) and wait for it: an
 * interactive shell, or this CLI again through sudo. Resolves with its exit code.
 */
export function runInteractive(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', env: options.env ?? env.toolEnv() });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(exitCode(code, signal)));
  });
}

/**
 * {@link runInteractive}, blocking: for a short command that must finish before this process
 * goes on (no event loop work in between). Returns the exit code (1 when it could not start).
 */
export function runInteractiveSync(file: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): number {
  const r = spawnSync(file, args, { stdio: 'inherit', env: options.env ?? env.toolEnv() });
  return r.status ?? (r.signal === null ? 1 : 128);
}

/**
 * A program whose stdin and stdout are one byte stream (`ssh HOST docker system dial-stdio`: a
 * remote socket). Writing ends at the stream's end; the stream fails with the program's last
 * stderr line when it exits non-zero, and destroying the stream ends the program.
 */
export function spawnDuplex(file: string, args: string[], what: string): Duplex {
  const child = spawn(file, args, { env: env.toolEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4096)));
  child.stdin.on('error', () => undefined);
  const duplex = new Duplex({
    // As a socket does: once the other side is done, so is this one (and the stream closes).
    allowHalfOpen: false,
    write(chunk: Buffer, _enc, callback) {
      child.stdin.write(chunk, callback);
    },
    final(callback) {
      child.stdin.end(callback);
    },
    read() {
      child.stdout.resume();
    },
    destroy(err, callback) {
      child.kill();
      callback(err);
    },
  });
  child.stdout.on('data', (c: Buffer) => {
    if (!duplex.push(c)) child.stdout.pause();
  });
  // Once the other side said all it had to say, how the program ends is no error of the stream:
  // the stream ends as a socket does (destroying it now would race with that end).
  let ended = false;
  child.stdout.on('end', () => {
    ended = true;
    duplex.push(null);
  });
  child.on('error', (err) => duplex.destroy(err));
  child.on('close', (code) => {
    if (code !== 0 && code !== null && !ended && !duplex.destroyed) {
      duplex.destroy(new Error(`${what} exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
    }
  });
  return duplex;
}
