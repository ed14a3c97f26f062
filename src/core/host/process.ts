import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { env } from '../../config/env.js';

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

/** Run a host tool (npm, tar, debootstrap) with captured output. Rejects only when it cannot be started. */
export function runTool(file: string, args: string[], options: ToolOptions = {}): Promise<ToolResult> {
  const keep = options.tailLines ?? 30;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: env.toolEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const tail: string[] = [];
    const partial = { stdout: '', stderr: '' };
    const feed = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
      (stream === 'stdout' ? out : err).push(chunk);
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
    child.stdout.on('data', (c: Buffer) => feed('stdout', c));
    child.stderr.on('data', (c: Buffer) => feed('stderr', c));
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
