/** Result of one command on a node. A non-zero exit is a result, not an exception. */
export interface CommandResult {
  exitCode: number;
  /** Output, bounded to the last {@link OUTPUT_LIMIT} characters of each stream. */
  stdout: string;
  stderr: string;
  /** With a `prelude` (see RunOptions): whether it succeeded (when not, the call ended there). */
  prepared?: boolean;
}

export const OUTPUT_LIMIT = 64 * 1024;

export interface RunOptions {
  /** A shell string, run by bash on the node. */
  command: string;
  env?: Readonly<Record<string, string>>;
  /** Run as root instead of the cluster's ssh user. */
  asRoot?: boolean;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
  /** Forward stdin (for interactive use). */
  stdin?: NodeJS.ReadableStream;
  /**
   * A script run as root first, in the same call (see prelude.ts); only for runners with
   * `runsPrelude`. Its output goes to stderr.
   */
  prelude?: string;
}

/** Runs commands on one node and copies files to and from it. */
export interface CommandRunner {
  readonly nodeId: string;
  /** Whether `run` takes a `prelude` (runners whose calls start as root). */
  readonly runsPrelude?: boolean;
  run(options: RunOptions): Promise<CommandResult>;
  /** Copy a local file or folder to `target` on the node (rsync-like: `src/` copies the contents). */
  upload(source: string, target: string): Promise<void>;
  /** Copy `source` on the node to a local path. */
  download(source: string, target: string): Promise<void>;
  /** argv of an interactive shell on the node (for `attach`); runners that cannot forward ports ignore `forwardPorts`. */
  interactiveShellArgv(command?: string, options?: ShellArgvOptions): string[];
}

export interface ShellArgvOptions {
  /** Local ports forwarded to the same port on the node's localhost (`attach --port-forward`). */
  forwardPorts?: readonly number[];
}

/** Keep the last `limit` characters of a growing output. */
export class OutputTail {
  private text = '';
  constructor(private readonly limit = OUTPUT_LIMIT) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }
  toString(): string {
    return this.text.length > this.limit ? this.text.slice(-this.limit) : this.text;
  }
}

/** The last `lines` lines of a text, for error messages. */
export function tailLines(text: string, lines = 20): string[] {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(-lines);
}
