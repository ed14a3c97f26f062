/**
 * Shell quoting lives here and only here. Everything that places a value into a shell
 * command line (paths, URLs, user names, environment values) goes through `quote`.
 */

import { PassThrough } from 'node:stream';

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
 * `pipefail`. Runners send it on stdin (see {@link SCRIPT_FROM_STDIN}), never through a host shell.
 */
export function buildNodeScript(script: NodeScript): string {
  const parts = ['[ -f ~/.bashrc ] && . ~/.bashrc >/dev/null 2>&1', 'set -o pipefail'];
  if (script.env && Object.keys(script.env).length > 0) parts.push(exportLines(script.env));
  parts.push(script.command);
  return parts.join('\n');
}

/**
 * A `bash -c` program that reads a script from stdin up to a NUL byte and runs it; the rest of
 * stdin is the script's own. Scripts carry environment values (the state store's password), and a
 * command line shows in process lists (the node's, and the Docker host's for a container) and in an
 * API server's logs: stdin shows nowhere.
 */
export const SCRIPT_FROM_STDIN = `IFS= read -r -d '' __cloudtik_script || exit 254; eval "$__cloudtik_script"`;

/**
 * A `bash -c` program that runs its arguments as the user named by its first one, from a root
 * call, the way an exec as that user would: the user's uid, primary group and groups, and HOME,
 * USER and LOGNAME from its passwd entry; with `cdHome`, in that home folder. The call's limits and
 * environment stay as they are: not runuser or su, whose PAM session (pam_limits) lowers a
 * container's open-files limit (20000 for a Docker exec here) to 1024, too few for Trino or Kafka.
 */
export function asUserProgram(cdHome: boolean): string {
  return [
    'u=$1; shift',
    // One look at the passwd entry: its group and home.
    'IFS=: read -r _ _ _ g _ h _ < <(getent passwd "$u")',
    ...(cdHome ? ['cd "${h:-/}" 2>/dev/null'] : []),
    'exec setpriv --reuid="$u" --regid="$g" --init-groups env HOME="${h:-/}" USER="$u" LOGNAME="$u" "$@"',
  ].join('\n');
}

/** argv that runs `inner` as `user` from a root call (see asUserProgram). */
export function asUserArgv(user: string, inner: readonly string[], cdHome: boolean): string[] {
  return ['bash', '-c', asUserProgram(cdHome), 'bash', user, ...inner];
}

/** What {@link SCRIPT_FROM_STDIN} reads: the script, a NUL, then `rest` (the command's own input), if any. */
export function scriptStdin(script: string, rest?: NodeJS.ReadableStream): NodeJS.ReadableStream {
  const out = new PassThrough();
  out.write(`${script}\0`);
  if (rest) rest.pipe(out);
  else out.end();
  return out;
}

/**
 * A command (run as a node user who has sudo, or as root where there is no sudo) that runs
 * `script` as root. The script travels in a here document of the caller's own script, which
 * arrives on stdin: what it carries (secrets) shows in no command line. `nonce`: hex, new for
 * every call; it ends the here document.
 */
export function asRootCommand(script: string, nonce: string): string {
  const end = `CLOUDTIK_${nonce}`;
  return [`if command -v sudo >/dev/null 2>&1; then sudo -n bash -s; else bash -s; fi <<'${end}'`, script, end].join(
    '\n',
  );
}

/**
 * Shell lines (bash) that write `content` to `file` byte for byte; the file's mode comes from the
 * umask. Content without a NUL byte is one line, bash's own `printf` of an ANSI-C quoted word (no
 * process: these lines run in a node's calls, in its CPU share); any other content is base64 in a
 * here document, which no line of it can end early (`nonce` as for asRootCommand). Either way no
 * byte of the content shows as itself in the lines (they carry secrets: a command shown by mistake
 * does not show them plainly).
 */
export function writeFileLines(file: string, content: string | Buffer, nonce: string): string {
  const bytes = Buffer.from(content);
  if (!bytes.includes(0)) return `printf '%s' ${hexQuoted(bytes)} > ${quote(file)}`;
  const end = `CLOUDTIK_FILE_${nonce}`;
  const encoded = bytes.toString('base64').replace(/.{76}/g, '$&\n').replace(/\n$/, '');
  return [`base64 -d > ${quote(file)} <<'${end}'`, encoded, end].join('\n');
}

/** `bytes` (no NUL among them) as one ANSI-C quoted word of bash, each byte as `\xHH`. Pure. */
function hexQuoted(bytes: Buffer): string {
  return `$'${bytes.toString('hex').replace(/../g, '\\x$&')}'`;
}
