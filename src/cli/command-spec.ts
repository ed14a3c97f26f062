import type { Reporter } from './reporter.js';

/** An option as commander takes it: flags like `-n, --cluster-name <name>` and a description. */
export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean | number;
  /** Parse the raw string (for numbers, lists). */
  parse?: (value: string, previous: unknown) => unknown;
}

export interface ArgumentSpec {
  /** `<file>` (required), `[file]` (optional), `<args...>` (variadic). */
  name: string;
  description: string;
}

/** What a command handler gets besides its own arguments and options. */
export interface CommandContext {
  reporter: Reporter;
  verbose: boolean;
  json: boolean;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
}

/**
 * One CLI command. Files under `src/cli/commands/<group>/<name>.ts` export `command: CommandSpec`.
 * The module itself must stay light: import the core lazily inside `run`, so `cloudtik --help` is fast.
 * `run` returns the process exit code (0 when omitted).
 */
export interface CommandSpec {
  name: string;
  aliases?: string[];
  /** Hidden commands (CloudTik's underscore aliases) do not show in help. */
  hidden?: boolean;
  description: string;
  arguments?: ArgumentSpec[];
  options?: OptionSpec[];
  /** Allow unknown options to pass through to arguments (for `exec`, `submit`). */
  passThrough?: boolean;
  run(args: string[], options: Record<string, unknown>, ctx: CommandContext): Promise<number | void>;
}

export interface CommandGroupSpec {
  name: string;
  description: string;
  commands: CommandSpec[];
}
