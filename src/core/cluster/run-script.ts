/**
 * `cloudtik run SCRIPT`: run a script the cloudtik package carries, on the head, as CloudTik runs
 * its built-in scripts: the path is relative to the package's folder on the node, and its
 * extension picks the interpreter. User scripts go through `submit`, shell commands through `exec`.
 */
import { CloudtikError } from '../errors.js';
import { quote, quoteArgs } from '../command/shell.js';

const INTERPRETERS: Readonly<Record<string, string>> = {
  '.sh': 'bash',
  '.py': 'python3 -u',
  '.js': 'node',
  '.mjs': 'node',
};

/** The shell command that runs built-in `script` with `args` on a node. Pure. */
export function builtInScriptCommand(script: string, args: readonly string[]): string {
  const ext = /\.[a-z]+$/.exec(script)?.[0] ?? '';
  const interpreter = INTERPRETERS[ext];
  if (interpreter === undefined || script.startsWith('/') || script.split('/').includes('..')) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `${script} is not a built-in script`, {
      hint: `built-in scripts are files of the cloudtik package on the nodes (${Object.keys(INTERPRETERS).join(', ')}), named relative to it, like bin/cloudtik.js; run your own scripts with cloudtik submit, commands with cloudtik exec`,
    });
  }
  // The package's folder: where the `cloudtik` command on the node's path really lives, two levels up.
  return [
    'root=$(dirname "$(dirname "$(readlink -f "$(command -v cloudtik)")")")',
    `f="$root"/${quote(script)}`,
    `[ -f "$f" ] || { echo "no built-in script ${script.replace(/[^\w./-]/g, '')} in $root" >&2; exit 127; }`,
    `${interpreter} "$f"${args.length > 0 ? ` ${quoteArgs(args)}` : ''}`,
  ].join('\n');
}

/** With --job-log: the output goes to ~/user/logs/<session>.log on the head, as CloudTik names it. Pure. */
export function withJobLog(command: string, script: string, nowMs: number): { command: string; log: string } {
  const base =
    script
      .split('/')
      .pop()
      ?.replace(/[^\w.-]/g, '_') ?? 'script';
  const log = `~/user/logs/${base}-${nowMs}.log`;
  return { command: `mkdir -p ~/user/logs && { ${command}\n} >${log.replace('~', '$HOME')} 2>&1`, log };
}
