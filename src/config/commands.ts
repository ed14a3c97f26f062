import {
  builtInCommands,
  type BuiltInCommands,
  type BuiltInCommandsInput,
  type CommandLists,
} from './built-in-commands.js';
import { isPlainObject } from './merge.js';
import type { CommandGroup, CommandKey, MergedCommands } from './types.js';

/** Group name of the built-in commands. */
export const CLOUDTIK_GROUP = 'cloudtik';
/** Group name of the config's own commands. */
export const USER_GROUP = 'user';

/** The 13 command keys a config (or a node type, for some) may set. */
export const COMMAND_KEYS: readonly CommandKey[] = [
  'initialization_commands',
  'head_initialization_commands',
  'worker_initialization_commands',
  'setup_commands',
  'head_setup_commands',
  'worker_setup_commands',
  'bootstrap_commands',
  'start_commands',
  'head_start_commands',
  'worker_start_commands',
  'stop_commands',
  'head_stop_commands',
  'worker_stop_commands',
];

/** Command keys a node type may set to replace the global list for its nodes. */
export const NODE_TYPE_COMMAND_KEYS: readonly CommandKey[] = [
  'worker_initialization_commands',
  'worker_setup_commands',
  'bootstrap_commands',
  'worker_start_commands',
  'worker_stop_commands',
];

export type MergedCommandKey = keyof MergedCommands;

export const MERGED_COMMAND_KEYS: readonly MergedCommandKey[] = [
  'head_initialization_commands',
  'worker_initialization_commands',
  'head_setup_commands',
  'worker_setup_commands',
  'head_start_commands',
  'worker_start_commands',
  'head_stop_commands',
  'worker_stop_commands',
];

/** Initialization commands that only run when nodes use containers (`docker.*_initialization_commands`). */
export type DockerInitCommands = Partial<
  Record<'initialization_commands' | 'head_initialization_commands' | 'worker_initialization_commands', string[]>
>;

/** Commands one runtime adds (keyed like a config's command keys). */
export interface RuntimeCommands {
  name: string;
  /** System runtimes (such as service discovery) run before the node agent starts. */
  system?: boolean;
  commands: CommandLists;
  docker?: DockerInitCommands;
}

export interface MergeCommandsOptions {
  /** Runtime command groups, in dependency order. None until runtimes exist. */
  runtimes?: readonly RuntimeCommands[];
  /** Built-ins to use instead of `builtInCommands(config)`. */
  builtIns?: BuiltInCommands;
}

/** The parts of a config that command merging reads. */
export type CommandSource = BuiltInCommandsInput & Partial<Record<CommandKey, unknown>> & { docker?: unknown };

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The lists of one source combined for one merged key, as CloudTik does:
 * initialization = initialization (+ docker's) + kind initialization (+ docker's),
 * setup = setup + kind setup + bootstrap, start = start + kind start, stop = stop + kind stop.
 */
function combine(key: MergedCommandKey, lists: CommandLists, docker: DockerInitCommands | undefined): string[] {
  const [kind, ...rest] = key.split('_');
  const phase = rest[0] as 'initialization' | 'setup' | 'start' | 'stop';
  const common = listOf(lists[`${phase}_commands`]);
  const own = listOf(lists[`${kind}_${phase}_commands` as CommandKey]);
  if (phase === 'initialization') {
    const dockerCommon = listOf(docker?.initialization_commands);
    const dockerOwn = listOf(docker?.[`${kind}_initialization_commands` as keyof DockerInitCommands]);
    return [...common, ...dockerCommon, ...own, ...dockerOwn];
  }
  if (phase === 'setup') return [...common, ...own, ...listOf(lists.bootstrap_commands)];
  return [...common, ...own];
}

function dockerInitOf(config: CommandSource): DockerInitCommands | undefined {
  const docker = config.docker;
  if (!isPlainObject(docker) || docker.enabled === false) return undefined;
  return {
    initialization_commands: listOf(docker.initialization_commands),
    head_initialization_commands: listOf(docker.head_initialization_commands),
    worker_initialization_commands: listOf(docker.worker_initialization_commands),
  };
}

function pushGroup(groups: CommandGroup[], groupName: string, commands: string[]): void {
  if (commands.length === 0) return;
  const last = groups[groups.length - 1];
  if (last && last.group_name === groupName) last.commands.push(...commands);
  else groups.push({ group_name: groupName, commands: [...commands] });
}

/**
 * Builds `merged_commands` for a config (or for a node type's view of it): for each of head and
 * worker and each phase, the groups in run order — `cloudtik` pre built-ins, system runtimes,
 * `cloudtik` node built-ins, normal runtimes, `cloudtik` post built-ins, then `user` with the
 * config's own lists (see `combine`). Empty groups are left out and neighbouring groups with the
 * same name are joined. Docker initialization commands count only when docker is enabled.
 */
export function mergeCommands(config: CommandSource, options: MergeCommandsOptions = {}): MergedCommands {
  const builtIns = options.builtIns ?? builtInCommands(config);
  const runtimes = options.runtimes ?? [];
  const docker = dockerInitOf(config);
  const userLists: CommandLists = {};
  for (const key of COMMAND_KEYS) userLists[key] = listOf(config[key]);

  const merged = {} as MergedCommands;
  for (const key of MERGED_COMMAND_KEYS) {
    const groups: CommandGroup[] = [];
    pushGroup(groups, CLOUDTIK_GROUP, combine(key, builtIns.pre, undefined));
    for (const rt of runtimes.filter((r) => r.system)) pushGroup(groups, rt.name, combine(key, rt.commands, rt.docker));
    pushGroup(groups, CLOUDTIK_GROUP, combine(key, builtIns.node, undefined));
    for (const rt of runtimes.filter((r) => !r.system))
      pushGroup(groups, rt.name, combine(key, rt.commands, rt.docker));
    pushGroup(groups, CLOUDTIK_GROUP, combine(key, builtIns.post, undefined));
    pushGroup(groups, USER_GROUP, combine(key, userLists, docker));
    merged[key] = groups;
  }
  return merged;
}

/** Whether a node type needs its own `merged_commands`: it sets a command key of its own or a `runtime`. */
export function needsOwnCommands(nodeType: Record<string, unknown>): boolean {
  return NODE_TYPE_COMMAND_KEYS.some((key) => key in nodeType) || 'runtime' in nodeType;
}
