/**
 * A node's preparation (its user, sudo, data disks, the wait for its boot) run as root at the
 * start of the call that runs its first commands as the node user, instead of in a call of its
 * own: one exec less on a new node's way up, for runners whose calls start as root (a
 * container's, a pod's).
 *
 * The wrapper reads the preparation from stdin up to a NUL (as SCRIPT_FROM_STDIN in shell.ts reads a
 * script), runs it with its output on stderr and no input, and, once it succeeded, writes
 * {@link PREPARED} on stdout and becomes the user's command, which reads its own script next.
 * A call whose stdout does not begin with that line ended in the preparation.
 */
import type { CommandResult } from './runner.js';
import { scriptStdin } from './shell.js';

/** The line the wrapper writes once the preparation succeeded. */
export const PREPARED = '\x1ecloudtik:prepared\n';

const WRAPPER = [
  "IFS= read -r -d '' __cloudtik_prelude || exit 254",
  '( eval "$__cloudtik_prelude" ) </dev/null >&2 || exit $?',
  "printf '\\036cloudtik:prepared\\n'",
  'exec "$@"',
].join('\n');

/** Passes stdout on after the {@link PREPARED} line, which it takes out; `passed` once it came. */
export class PreludeGate {
  passed = false;
  private held = '';
  private broken = false;

  constructor(private readonly onText: (text: string) => void) {}

  push(chunk: string): void {
    if (this.passed || this.broken) {
      this.onText(chunk);
      return;
    }
    this.held += chunk;
    if (this.held.startsWith(PREPARED)) {
      this.passed = true;
      const rest = this.held.slice(PREPARED.length);
      this.held = '';
      if (rest) this.onText(rest);
    } else if (!PREPARED.startsWith(this.held)) {
      // Not the wrapper's line: the call did not come from it (nothing is taken out).
      this.broken = true;
      this.end();
    }
  }

  /** The end of the stream: whatever was held back is output. */
  end(): void {
    if (this.held) this.onText(this.held);
    this.held = '';
  }
}

/** How a runner makes one call of `argv` (as root), with this stdout and stdin. */
export type PreludeExec = (
  argv: string[],
  io: { onStdout: (text: string) => void; stdin: NodeJS.ReadableStream },
) => Promise<CommandResult>;

/**
 * One call through `exec` that runs `prelude` as root, then `argv` (which reads `script` from
 * stdin, as SCRIPT_FROM_STDIN does, then `stdin`, the command's own input). The result says whether
 * the preparation succeeded (`prepared`); neither it nor `onStdout` carries the wrapper's line.
 */
export async function callWithPrelude(
  exec: PreludeExec,
  c: {
    prelude: string;
    script: string;
    argv: readonly string[];
    onStdout?: (text: string) => void;
    stdin?: NodeJS.ReadableStream;
  },
): Promise<CommandResult> {
  const gate = new PreludeGate((text) => c.onStdout?.(text));
  const result = await exec(['bash', '-c', WRAPPER, 'bash', ...c.argv], {
    onStdout: (text) => gate.push(text),
    stdin: scriptStdin(`${c.prelude}\0${c.script}`, c.stdin),
  });
  gate.end();
  const stdout = result.stdout.startsWith(PREPARED) ? result.stdout.slice(PREPARED.length) : result.stdout;
  return { ...result, stdout, prepared: gate.passed };
}
