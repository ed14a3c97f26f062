/**
 * For tests: a CommandRunner that runs commands with the real bash on this machine, in a scratch
 * home whose `.bashrc` defines two helpers the tests' commands use:
 *   step NAME          records NAME in ~/ran
 *   flaky NAME TIMES   records NAME, and fails (exit 4, some output) its first TIMES calls
 *   sudo -n bash -s      runs its script (as this user) with /var/lib/cloudtik moved to ~/root and
 *                        no chown: the root step the updater ends a start with (see resumeScript)
 * Root commands (the node updater's preparation step) are not run: they are recorded as
 * `<prepare>` and fail while `prepareFails` is set. With `runsPrelude`, it takes a preparation in
 * the call of the commands as the container runners do, through the same wrapper (prelude.ts),
 * with a stand-in script for it (`<prepare>+script`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { runTool } from '../process.js';
import type { CommandResult, CommandRunner, RunOptions } from './runner.js';
import { callWithPrelude } from './prelude.js';
import { buildNodeScript, SCRIPT_FROM_STDIN } from './shell.js';

const BASHRC = `
step() { echo "$1" >> "$HOME/ran"; }
flaky() {
  local f="$HOME/flaky-$1" n
  n=$(cat "$f" 2>/dev/null || echo 0)
  echo $((n + 1)) > "$f"
  echo "$1" >> "$HOME/ran"
  if [ "$n" -lt "$2" ]; then echo "some output"; echo "last line"; echo boom >&2; return 4; fi
}
sudo() { [ "$1 $2 $3" = "-n bash -s" ] || return 1; sed -e "s#/var/lib/cloudtik#$HOME/root#g" -e '/^chown /d' | bash -s; }
`;

export class LocalRunner implements CommandRunner {
  readonly nodeId = 'n1';
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-local-runner-'));
  /** Calls to run(), in order: `<prepare>` or `script`. */
  readonly calls: string[] = [];
  /** The preparations the calls carried (their text; a stand-in runs in their place). */
  readonly preludes: string[] = [];
  prepareFails = false;

  /** `pathPrefix`: folders searched for programs before this process's PATH. */
  constructor(private readonly pathPrefix: readonly string[] = []) {
    fs.writeFileSync(path.join(this.home, '.bashrc'), BASHRC);
  }

  /** What the commands recorded with `step` and `flaky`. */
  ran(): string[] {
    const file = path.join(this.home, 'ran');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
  }

  /** The last resume script the updater saved, if any. */
  get resumeScript(): string | undefined {
    const file = path.join(this.home, 'root', 'boot', 'resume.sh');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  }

  cleanup(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
  }

  runsPrelude = false;

  async run(o: RunOptions): Promise<CommandResult> {
    if (o.asRoot) {
      this.calls.push('<prepare>');
      return Promise.resolve(
        this.prepareFails ? { exitCode: 1, stdout: '', stderr: 'not yet' } : { exitCode: 0, stdout: '', stderr: '' },
      );
    }
    const script = buildNodeScript({ command: o.command, env: o.env });
    if (o.prelude === undefined) {
      this.calls.push('script');
      return this.spawn(['bash', '-c', script], undefined, o);
    }
    if (!this.runsPrelude) throw new Error('this runner takes no prelude');
    this.calls.push('<prepare>+script');
    this.preludes.push(o.prelude);
    const prelude = this.prepareFails ? 'echo not yet; exit 3' : 'echo prepared';
    const argv = ['bash', '-c', SCRIPT_FROM_STDIN];
    return callWithPrelude((a, io) => this.spawn(a, io.stdin, { ...o, ...io }), { ...o, prelude, script, argv });
  }

  private spawn(argv: string[], stdin: NodeJS.ReadableStream | undefined, o: RunOptions): Promise<CommandResult> {
    const env = { PATH: [...this.pathPrefix, process.env.PATH ?? '/usr/bin:/bin'].join(':'), HOME: this.home };
    return spawnCall(argv, { ...o, cwd: this.home, env, stdin });
  }

  upload(): Promise<void> {
    return Promise.resolve();
  }
  download(): Promise<void> {
    return Promise.resolve();
  }
  interactiveShellArgv(): string[] {
    return [];
  }
}

/**
 * Run `argv` on this machine through the project's process adapter, as a runner's call: its
 * output as text to the callbacks as it comes, and a CommandResult.
 */
export async function spawnCall(
  argv: readonly string[],
  o: Pick<RunOptions, 'onStdout' | 'onStderr'> & {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    stdin?: NodeJS.ReadableStream;
  },
): Promise<CommandResult> {
  const text = (on?: (t: string) => void): ((c: Buffer) => void) => {
    const decoder = new StringDecoder('utf8');
    return (c) => on?.(decoder.write(c));
  };
  const r = await runTool(argv[0]!, argv.slice(1), {
    cwd: o.cwd,
    env: o.env ?? process.env,
    input: o.stdin,
    onStdout: text(o.onStdout),
    onStderr: text(o.onStderr),
  });
  return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
}
