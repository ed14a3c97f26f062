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

/** The line the wrapper writes once the preparation succeeded. */
export const PREPARED = '\x1ecloudtik:prepared\n';

const WRAPPER = [
  "IFS= read -r -d '' __cloudtik_prelude || exit 254",
  '( eval "$__cloudtik_prelude" ) </dev/null >&2 || exit $?',
  "printf '\\036cloudtik:prepared\\n'",
  'exec "$@"',
].join('\n');

/** argv that runs the preparation (first on stdin, see preludeStdinHead) as the call's user, then `argv`. */
export function preludeArgv(argv: readonly string[]): string[] {
  return ['bash', '-c', WRAPPER, 'bash', ...argv];
}

/** What goes first on stdin: the preparation, a NUL, then the command's script (its NUL follows). */
export function preludeStdinHead(prelude: string, script: string): string {
  return `${prelude}\0${script}`;
}

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

/**
 * Run a call made with {@link preludeArgv}: its stdout goes through a gate to `onStdout`, and the
 * result says whether the preparation succeeded (`prepared`), without the gate's line.
 */
export async function gatedCall(
  onStdout: ((text: string) => void) | undefined,
  call: (onStdout: (text: string) => void) => Promise<CommandResult>,
): Promise<CommandResult> {
  const gate = new PreludeGate((text) => onStdout?.(text));
  const result = await call((text) => gate.push(text));
  gate.end();
  const stdout = result.stdout.startsWith(PREPARED) ? result.stdout.slice(PREPARED.length) : result.stdout;
  return { ...result, stdout, prepared: gate.passed };
}
