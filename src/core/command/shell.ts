/**
 * Shell quoting lives here and only here. Everything that places a value into a shell
 * command line (paths, URLs, user names, environment values) goes through `quote`.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one word for POSIX sh/bash so that it is passed through literally. */
export function quote(value: string): string {
  if (value === '') return "''";
  if (SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quote and join words into one command line. */
export function quoteArgs(args: readonly string[]): string {
  return args.map(quote).join(' ');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isValidEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** `export K=V` lines for an environment; names are checked, values quoted. */
export function exportLines(vars: Readonly<Record<string, string>>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (!isValidEnvName(k)) throw new Error(`invalid environment variable name: ${JSON.stringify(k)}`);
      return `export ${k}=${quote(v)}`;
    })
    .join('\n');
}

export interface NodeScript {
  /** Environment exported before the command. */
  env?: Readonly<Record<string, string>>;
  /** The command, a shell string by contract (users write shell in their configs). */
  command: string;
}

/**
 * The script a node runs for one command: the user's `~/.bashrc` (so exports from earlier
 * setup commands are seen), then the environment, then the command in a subshell with
 * `pipefail`. The result is passed as one argv element to `bash -c`, never through a host shell.
 */
export function buildNodeScript(script: NodeScript): string {
  const parts = ['[ -f ~/.bashrc ] && . ~/.bashrc >/dev/null 2>&1', 'set -o pipefail'];
  if (script.env && Object.keys(script.env).length > 0) parts.push(exportLines(script.env));
  parts.push(script.command);
  return parts.join('\n');
}
