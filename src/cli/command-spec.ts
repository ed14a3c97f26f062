import type { Reporter } from './reporter.js';

/**
 * An option as commander takes it: flags like `-n, --cluster-name <name>` and a description,
 * with the name and type its value has in the parsed options. Make them with {@link opt}, which
 * derives the name from the flags the way commander does, so a handler's options are typed.
 */
export interface OptionSpec<K extends string = string, V = unknown> {
  readonly flags: string;
  readonly description: string;
  readonly default?: string | boolean | number;
  /** Parse the raw string (for numbers, lists). */
  readonly parse?: (value: string, previous: unknown) => unknown;
  /** Where commander puts the value: the long flag in camelCase, without `no-`. */
  readonly key: K;
  /** For the type only (never set): the value once parsed. */
  readonly valueType?: V;
}

/** The long flag of `-n, --cluster-name <name>`: `cluster-name`. */
type LongFlag<F extends string> = F extends `${string}--${infer Rest}`
  ? Rest extends `${infer Name} ${string}`
    ? Name
    : Rest
  : never;
type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;

/** The key commander gives an option's value: `--cluster-name <name>` -> `clusterName`, `--no-wait` -> `wait`. */
export type OptionKey<F extends string> = LongFlag<F> extends `no-${infer Name}` ? Camel<Name> : Camel<LongFlag<F>>;

/** The same at run time (checked against commander's own in main.test.ts). */
export function optionKey(flags: string): string {
  const long = /--([\w-]+)/.exec(flags)?.[1];
  if (long === undefined) throw new Error(`option ${flags} has no long flag`);
  return long.replace(/^no-/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/**
 * The option's runtime part. Its key is computed from the flags, so the key type the builders
 * claim ({@link OptionKey}) holds by construction; the value type is a promise about `parse`.
 */
function option<K extends string, V>(
  flags: string,
  description: string,
  extra: Pick<OptionSpec, 'default' | 'parse'> = {},
): OptionSpec<K, V> {
  return { flags, description, key: optionKey(flags) as K, ...extra };
}

/** Option builders: each one's value type follows from its kind and whether it has a default. */
export const opt = {
  /** A switch: true when given (`--no-x`: true unless given); never undefined with a default. */
  flag: switchOption,
  /** A string; `string` when it has a default, else `string | undefined`. */
  string: valued<string>(),
  /** A non-negative integer. */
  int: valued<number>(parseInteger),
  /** A comma-separated list: `a, b` -> ['a', 'b']. */
  list<const F extends string>(flags: F, description: string): OptionSpec<OptionKey<F>, string[] | undefined> {
    return option(flags, description, { parse: (v) => v.split(',').map((s) => s.trim()) });
  },
  /** A value `parse` makes of the string (its error message becomes a usage error). */
  parsed<const F extends string, V>(
    flags: F,
    description: string,
    parse: (value: string) => V,
  ): OptionSpec<OptionKey<F>, V | undefined> {
    return option(flags, description, { parse });
  },
};

type SwitchValue<F extends string> = F extends `--no-${string}` ? boolean : boolean | undefined;

function switchOption<const F extends string>(flags: F, description: string): OptionSpec<OptionKey<F>, SwitchValue<F>>;
function switchOption<const F extends string>(
  flags: F,
  description: string,
  defaultValue: boolean,
): OptionSpec<OptionKey<F>, boolean>;
function switchOption(flags: string, description: string, defaultValue?: boolean): OptionSpec<string, unknown> {
  return option(flags, description, defaultValue === undefined ? {} : { default: defaultValue });
}

/** A builder of options whose values are `T` (parsed by `parse`): `T | undefined`, or `T` with a default. */
function valued<T extends string | number>(parse?: (value: string) => T) {
  function build<const F extends string>(flags: F, description: string): OptionSpec<OptionKey<F>, T | undefined>;
  function build<const F extends string>(flags: F, description: string, defaultValue: T): OptionSpec<OptionKey<F>, T>;
  function build(flags: string, description: string, defaultValue?: T): OptionSpec<string, T | undefined> {
    return option(flags, description, {
      ...(parse ? { parse } : {}),
      ...(defaultValue === undefined ? {} : { default: defaultValue }),
    });
  }
  return build;
}

export function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

/** The parsed options of a command: one key per option (options sharing a key, like `--x`/`--no-x`, share it). */
export type OptionValues<O extends readonly OptionSpec[]> = {
  [S in O[number] as S['key']]: S extends OptionSpec<string, infer V> ? V : never;
};

export interface ArgumentSpec<N extends string = string> {
  /** `<file>` (required), `[file]` (optional), `<args...>` (variadic). */
  readonly name: N;
  readonly description: string;
}

/** The arguments as commander leaves them (`command.args`): one string each, a variadic one spread at the end. */
export type ArgumentValues<A extends readonly ArgumentSpec[]> = A extends readonly [
  infer First extends ArgumentSpec,
  ...infer Rest extends readonly ArgumentSpec[],
]
  ? First['name'] extends `${string}...${string}`
    ? string[]
    : [First['name'] extends `<${string}` ? string : string | undefined, ...ArgumentValues<Rest>]
  : [];

/** What a command handler gets besides its own arguments and options. */
export interface CommandContext {
  reporter: Reporter;
  verbose: boolean;
  json: boolean;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
}

/** A command as {@link defineCommand} takes it: the handler's arguments and options typed from the specs. */
export interface TypedCommandSpec<A extends readonly ArgumentSpec[], O extends readonly OptionSpec[]> {
  name: string;
  aliases?: string[];
  /** Hidden commands (CloudTik's underscore aliases) do not show in help. */
  hidden?: boolean;
  description: string;
  arguments?: A;
  options?: O;
  /** Allow unknown options to pass through to arguments (for `exec`, `submit`). */
  passThrough?: boolean;
  /** The command runs until Ctrl-C (a server, a follower): stopping it is its normal end, nothing to resume. */
  runsUntilStopped?: boolean;
  run(args: ArgumentValues<A>, options: OptionValues<O>, ctx: CommandContext): Promise<number | void>;
}

/**
 * One CLI command. Files under `src/cli/commands/<group>/<name>.ts` export `command = defineCommand(...)`.
 * The module itself must stay light: import the core lazily inside `run`, so `cloudtik --help` is fast.
 * `run` returns the process exit code (0 when omitted).
 */
export interface CommandSpec {
  name: string;
  aliases?: string[];
  hidden?: boolean;
  description: string;
  arguments?: readonly ArgumentSpec[];
  options?: readonly OptionSpec[];
  passThrough?: boolean;
  runsUntilStopped?: boolean;
  run(
    args: readonly (string | undefined)[],
    options: Record<string, unknown>,
    ctx: CommandContext,
  ): Promise<number | void>;
}

/**
 * A command whose handler gets typed arguments and options. main.ts has commander parse the
 * command line by these same specs, so what it hands `run` has the types the specs promise
 * (`run` is a method, so the specific handler stands in for the general one).
 */
export function defineCommand<
  const A extends readonly ArgumentSpec[] = readonly [],
  const O extends readonly OptionSpec[] = readonly [],
>(spec: TypedCommandSpec<A, O>): CommandSpec {
  return spec;
}

export interface CommandGroupSpec {
  name: string;
  description: string;
  commands: CommandSpec[];
}
