/**
 * Several commands on one node in one call: a node's setup, start or stop commands run as one
 * script, each command in its own subshell exactly as it would run alone (the user's `~/.bashrc`
 * read again, so exports from earlier commands are seen; the environment; `pipefail`), in order.
 * One `docker exec` (or ssh session) costs about 50 ms of CPU time; a node runs ten or so commands
 * at start, many nodes at once.
 *
 * The script tells which command runs and which failed with marker lines on stdout
 * (`\x1e<nonce>:run:<i>` and `\x1e<nonce>:fail:<i>:<code>`, the nonce new for every call;
 * `fail:?:<code>` is the command running then); they are taken out of the output the caller sees.
 * A command's start is marked on stderr too: the two streams reach the caller through pipes of
 * their own, so a command's first error line may be read before the start marked on stdout, and
 * its stderr is told apart by the markers in it.
 *
 * Consecutive commands that are plain `cloudtik` calls (see `plainCloudtikArgs`) run in one
 * `cloudtik node batch` process, which prints the markers of the commands after the first itself:
 * a node's start runs ten or so of them, and each process of its own costs about 60 ms of CPU time
 * (Node's start and loading the CLI) while the nodes' engines start on the same cores. They share one
 * reading of `~/.bashrc`, which cloudtik commands do not change.
 */
import crypto from 'node:crypto';
import type { CommandGroup } from '../../config/types.js';
import { exportLines, quote } from './shell.js';
import { OutputTail, tailLines, type CommandRunner } from './runner.js';

export interface BatchCommand {
  /** The command group it belongs to (for messages). */
  group: string;
  /** A shell string, as in the config. */
  command: string;
  /** What messages show instead of the command (one whose text carries secrets). */
  label?: string;
  /**
   * For a command that runs a script as root through sudo: that script, as root runs it for the
   * node user (`SUDO_USER` set). A call that begins as root runs it there, without the sudo.
   */
  rootScript?: string;
}

/** The commands of groups, in order. */
export function groupCommands(groups: readonly CommandGroup[]): BatchCommand[] {
  return groups.flatMap((g) => g.commands.map((command) => ({ group: g.group_name, command })));
}

export interface BatchOptions {
  env?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
  /** Run the next commands after a failed one (stop commands); by default the batch ends there. */
  keepGoing?: boolean;
  /** The node's preparation, run as root first in the same call (see prelude.ts; runners with `runsPrelude`). */
  prelude?: string;
  /** A command starts (its index in the batch). */
  onCommand?: (index: number) => void;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export interface BatchFailure {
  index: number;
  exitCode: number;
  /** The last lines of that command's output (stdout, then stderr). */
  output: string[];
}

export interface BatchResult {
  /** Failed commands, in order (at most one unless `keepGoing`). */
  failures: BatchFailure[];
  /** How many commands started. */
  started: number;
  /** The preparation failed (no command ran): its exit code and last lines. */
  preparation?: { exitCode: number; output: string[] };
}

const MARK = '\x1e';

/** A marker line (see the module comment); `index` undefined is the command running then. */
export function markerLine(nonce: string, event: MarkerEvent): string {
  const index = event.index === undefined ? '?' : String(event.index);
  return event.type === 'run' ? `${MARK}${nonce}:run:${index}\n` : `${MARK}${nonce}:fail:${index}:${event.exitCode}\n`;
}

// A word the shell passes on as it is: no quotes, variables, globs, `~`, comments or operators.
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * The arguments of a command that is one plain `cloudtik` call, such as
 * `cloudtik runtime configure hdfs --head`: words the shell would pass on unchanged. Anything else
 * (quotes, `$`, pipes, `;`, a newline, ...) gives `undefined`: such a command runs in bash as written.
 */
export function plainCloudtikArgs(command: string): string[] | undefined {
  const words = command.trim().split(/[ \t]+/);
  if (words[0] !== 'cloudtik' || words.length < 2) return undefined;
  const args = words.slice(1);
  return args.every((w) => PLAIN_WORD.test(w)) ? args : undefined;
}

/** The script for a batch; pure. */
export function buildBatchScript(
  commands: readonly string[],
  options: { env?: Readonly<Record<string, string>>; nonce: string; keepGoing?: boolean },
): string {
  const { nonce, keepGoing } = options;
  const env = options.env && Object.keys(options.env).length > 0 ? exportLines(options.env) : ':';
  // Services held until the call ends (see startService) wait for this shell.
  const lines = ['export CLOUDTIK_NODE_CALL_PID=$$', `__cloudtik_env() {\n${env}\n}`];
  const subshell = (index: number, command: string, failIndex: number | '?'): void => {
    lines.push(
      `printf '\\036%s:run:%d\\n' ${nonce} ${index}`,
      `printf '\\036%s:run:%d\\n' ${nonce} ${index} >&2`,
      '(',
      '[ -f ~/.bashrc ] && . ~/.bashrc >/dev/null 2>&1',
      '__cloudtik_env',
      'set -o pipefail',
      command,
      `) </dev/null || { rc=$?; printf '\\036%s:fail:%s:%d\\n' ${nonce} '${failIndex}' "$rc"; ${keepGoing ? ':' : 'exit "$rc"'}; }`,
    );
  };
  for (let i = 0; i < commands.length;) {
    let end = i;
    const calls: string[][] = [];
    for (let args; end < commands.length && (args = plainCloudtikArgs(commands[end]!)); end++) calls.push(args);
    if (calls.length < 2) {
      subshell(i, commands[i]!, i);
      i++;
      continue;
    }
    // One process for the run; it marks the start of each command after the first, and a failure
    // (in keep-going mode it marks failures itself and ends with 0).
    const call = [
      'cloudtik node batch',
      `--nonce ${nonce} --first ${i}${keepGoing ? ' --keep-going' : ''} --`,
      ...calls.map((args) => quote(args.join(' '))),
    ].join(' ');
    subshell(i, call, '?');
    i = end;
  }
  return lines.join('\n');
}

/** A marker; a `fail` without an index is the command running then. */
export type MarkerEvent = { type: 'run'; index: number } | { type: 'fail'; index?: number; exitCode: number };

/**
 * Splits a stream into output text and marker events. Markers may arrive cut across chunks: a
 * possible marker start is held back until its line is complete.
 */
export class MarkerFilter {
  private held = '';
  private readonly pattern: RegExp;

  constructor(
    private readonly nonce: string,
    private readonly onText: (text: string) => void,
    private readonly onMarker: (event: MarkerEvent) => void,
  ) {
    this.pattern = new RegExp(`^${MARK}${nonce}:(?:run:(\\d+)|fail:(\\d+|\\?):(\\d+))\\n`);
  }

  push(chunk: string): void {
    let text = this.held + chunk;
    this.held = '';
    for (;;) {
      const at = text.indexOf(MARK);
      if (at < 0) break;
      if (at > 0) this.onText(text.slice(0, at));
      text = text.slice(at);
      const m = this.pattern.exec(text);
      if (m) {
        if (m[1] !== undefined) this.onMarker({ type: 'run', index: Number(m[1]) });
        else this.onMarker({ type: 'fail', index: m[2] === '?' ? undefined : Number(m[2]), exitCode: Number(m[3]) });
        text = text.slice(m[0].length);
        continue;
      }
      const newline = text.indexOf('\n');
      if (newline < 0 && text.length < this.nonce.length + 32) {
        // Maybe a marker not complete yet.
        this.held = text;
        return;
      }
      // A record separator that is not ours: plain output.
      this.onText(text.slice(0, 1));
      text = text.slice(1);
    }
    if (text) this.onText(text);
  }

  /** The end of the stream: whatever was held back is output. */
  end(): void {
    if (this.held) this.onText(this.held);
    this.held = '';
  }
}

/** Run `commands` on a node in one call; see the module comment. */
export async function runBatch(
  runner: CommandRunner,
  commands: readonly BatchCommand[],
  options: BatchOptions = {},
): Promise<BatchResult> {
  if (commands.length === 0) return { failures: [], started: 0 };
  const nonce = crypto.randomBytes(6).toString('hex');
  // Output tails of each command, by index; a failure names its command's (see CommandTails).
  const tails = new CommandTails();
  const failed: { index: number; exitCode: number; tail: number }[] = [];
  // The command running as each stream tells it; stderr's, once it has a marker of its own.
  let current = -1;
  let errCurrent: number | undefined;
  const stdout = new MarkerFilter(
    nonce,
    (text) => {
      tails.of(current).out.push(text);
      options.onStdout?.(text);
    },
    (event) => {
      if (event.type === 'run') {
        current = event.index;
        options.onCommand?.(event.index);
      } else {
        failed.push({
          index: event.index ?? Math.max(current, 0),
          exitCode: event.exitCode,
          tail: event.index ?? current,
        });
      }
    },
  );
  const stderr = new MarkerFilter(
    nonce,
    (text) => {
      tails.of(errCurrent ?? current).err.push(text);
      options.onStderr?.(text);
    },
    (event) => {
      if (event.type === 'run') errCurrent = event.index;
    },
  );
  const result = await runner.run({
    command: buildBatchScript(
      commands.map((c) => c.command),
      { env: options.env, nonce, keepGoing: options.keepGoing },
    ),
    signal: options.signal,
    prelude: options.prelude,
    onStdout: (chunk) => stdout.push(chunk),
    onStderr: (chunk) => stderr.push(chunk),
  });
  stdout.end();
  stderr.end();
  if (result.prepared === false) {
    const output = tailLines(`${result.stderr}\n${result.stdout}`.trim(), 20);
    return { failures: [], started: 0, preparation: { exitCode: result.exitCode, output } };
  }
  // Ended without saying which command failed (killed, or a command that does not parse and
  // takes the rest of the script with it): the one that was running.
  if (result.exitCode !== 0 && failed.length === 0) {
    failed.push({ index: Math.max(current, 0), exitCode: result.exitCode, tail: current });
  }
  const failures = failed.map(({ index, exitCode, tail }) => {
    const { out, err } = tails.of(tail);
    const errText = err.toString();
    return { index, exitCode, output: tailLines(out.toString() + (errText ? `\n${errText}` : ''), 20) };
  });
  return { failures, started: current + 1 };
}

/**
 * The last output of each command of a batch on each stream, by the command's index (-1 before
 * the first): a failure's tails go on collecting after its marker, until the batch ends.
 */
class CommandTails {
  private readonly byIndex = new Map<number, { out: OutputTail; err: OutputTail }>();

  of(index: number): { out: OutputTail; err: OutputTail } {
    let t = this.byIndex.get(index);
    if (t === undefined) {
      t = { out: new OutputTail(), err: new OutputTail() };
      this.byIndex.set(index, t);
    }
    return t;
  }
}
