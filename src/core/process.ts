import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import fs from 'node:fs';
import path from 'node:path';
import { env } from '../config/env.js';

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

/**
 * The one process adapter: run a host program (npm, tar, debootstrap, ssh) with captured output.
 * Rejects only when it cannot be started (or `signal` stopped it).
 */
export function runTool(file: string, args: string[], options: ToolOptions = {}): Promise<ToolResult> {
  const keep = options.tailLines ?? 30;
  const collect = options.keepOutput !== false;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: env.toolEnv(),
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
    const tail: string[] = [];
    const partial = { stdout: '', stderr: '' };
    const feed = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
      (stream === 'stdout' ? options.onStdout : options.onStderr)?.(chunk);
      if (collect) (stream === 'stdout' ? out : err).push(chunk);
      else if (stream === 'stdout') return; // uncollected stdout may be binary: no line tail
      const text = partial[stream] + chunk.toString('utf8');
      const lines = text.split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) pushLine(line);
    };
    const pushLine = (line: string): void => {
      tail.push(line);
      if (tail.length > keep) tail.shift();
      options.onLine?.(line);
    };
    child.stdout?.on('data', (c: Buffer) => feed('stdout', c));
    child.stderr?.on('data', (c: Buffer) => feed('stderr', c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const rest of [partial.stdout, partial.stderr]) if (rest !== '') pushLine(rest);
      resolve({
        code: code ?? (signal === null ? 1 : 128),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        tail,
      });
    });
  });
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
