import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CommandContext, CommandGroupSpec, CommandSpec } from './command-spec.js';
import { renderError } from './errors.js';
import { TerminalReporter } from './render.js';
import { commandGroups, topLevelCommands } from './commands/index.js';
import { packageVersion } from '../version.js';
import { env } from '../config/env.js';

/**
 * An option's parser whose refusal reads as a usage error (`option '--workers <n>' argument 'abc'
 * is invalid. …`, exit code 2) instead of a crash with a stack trace.
 */
function usageParser(parse: (value: string, previous: unknown) => unknown) {
  return (value: string, previous: unknown): unknown => {
    try {
      return parse(value, previous);
    } catch (err) {
      throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
    }
  };
}

const LOG_STYLES = ['auto', 'pretty', 'record'];
const LOG_COLORS = ['auto', 'true', 'false'];

/**
 * How progress looks, from `--log-style` (pretty: a live task list; record: plain lines; auto: live
 * on a terminal outside CI) and `--log-color` (auto: on a terminal unless NO_COLOR).
 */
export function logLook(
  opts: { logStyle?: unknown; logColor?: unknown },
  term: { tty: boolean; ci: boolean; noColor: boolean },
): { live: boolean; color: boolean } {
  const live = opts.logStyle === 'pretty' ? term.tty : opts.logStyle === 'record' ? false : term.tty && !term.ci;
  const color = opts.logColor === 'true' ? true : opts.logColor === 'false' ? false : term.tty && !term.noColor;
  return { live, color };
}

/** Add a command to `parent`: its arguments, options and the action that runs it (exported for tests). */
export function addCommand(parent: Command, spec: CommandSpec): void {
  const cmd = parent.command(spec.name, { hidden: spec.hidden === true }).description(spec.description);
  for (const alias of spec.aliases ?? []) cmd.alias(alias);
  for (const a of spec.arguments ?? []) cmd.argument(a.name, a.description);
  for (const o of spec.options ?? []) {
    const opt = new Option(o.flags, o.description);
    if (o.parse) opt.argParser(usageParser(o.parse));
    if (o.default !== undefined) opt.default(o.default);
    cmd.addOption(opt);
  }
  cmd
    .option('--json', 'print the result as JSON')
    .option('-v, --verbose', 'show debug logs, command output and stack traces')
    .addOption(new Option('--log-style <style>', 'progress as a live task list or plain lines').choices(LOG_STYLES))
    .addOption(new Option('--log-color <when>', 'color the progress and warnings').choices(LOG_COLORS))
    // Configs are read afresh by every command, so there is no cache to skip; accepted for scripts.
    .addOption(new Option('--no-config-cache', 'read the config afresh (always the case)').hideHelp());
  if (spec.passThrough) cmd.allowUnknownOption(true).allowExcessArguments(true);
  cmd.action(async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const opts = command.opts();
    const args = command.args;
    const verbose = opts.verbose === true || env.verbose();
    const json = opts.json === true;
    const reporter = new TerminalReporter({
      json,
      verbose,
      ...logLook(opts, { tty: process.stderr.isTTY === true, ci: env.isCI(), noColor: env.noColor() }),
    });
    const controller = new AbortController();
    let interrupts = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      const resume = spec.runsUntilStopped ? '' : '; run the command again to continue where it stopped';
      reporter.warn(`${sig}: stopping (press Ctrl-C again to quit at once)${resume}`);
      controller.abort(new Error(sig));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const ctx: CommandContext = { reporter, verbose, json, signal: controller.signal };
    try {
      const code = await spec.run(args, opts, ctx);
      reporter.close();
      process.exitCode = typeof code === 'number' ? code : 0;
    } catch (err) {
      reporter.close();
      process.exitCode = renderError(err, { verbose, json });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}

function addGroup(program: Command, group: CommandGroupSpec): void {
  const g = program.command(group.name).description(group.description);
  for (const spec of group.commands) addCommand(g, spec);
}

/**
 * The commands a call names by its first word (`argv` as process.argv has it): that group or
 * top-level command alone, else (help, the version, a word that names nothing) all of them. A
 * node runs the CLI a dozen times on its way up, each time for one command; building every
 * command (about a hundred) for each call was 8 ms of CPU there. Pure.
 */
export function commandsNamed(argv: readonly string[]): {
  groups: readonly CommandGroupSpec[];
  commands: readonly CommandSpec[];
} {
  const word = argv[2];
  const named = (s: { name: string; aliases?: string[] }): boolean =>
    s.name === word || s.aliases?.includes(word ?? '') === true;
  const group = commandGroups.find(named);
  if (group) return { groups: [group], commands: [] };
  const command = topLevelCommands.find(named);
  if (command) return { groups: [], commands: [command] };
  return { groups: commandGroups, commands: topLevelCommands };
}

/** Build the `cloudtik` program, with the commands `argv` names (see commandsNamed), else all (exported for tests). */
export function buildProgram(argv: readonly string[] = []): Command {
  const program = new Command('cloudtik')
    .description('Create and run clusters for distributed analytics and AI from one YAML file')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    // Before the commands are added, so they inherit it: a usage error in any of them exits 2.
    .exitOverride();
  const { groups, commands } = commandsNamed(argv);
  for (const spec of commands) addCommand(program, spec);
  for (const group of groups) addGroup(program, group);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    throw err;
  }
}
