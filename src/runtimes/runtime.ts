/**
 * Runtimes: the engines a cluster runs (HDFS, YARN, Spark, Prometheus). A runtime is described
 * here by pure data and pure functions, which the config loader uses (defaults, option types,
 * ordering, commands, sizing) and the CLI shows (endpoints). What a runtime does on a node
 * (configure, start, stop) lives in `node/`, loaded only by `cloudtik runtime ...` on the nodes.
 */
import type { RuntimeCommands } from '../config/commands.js';

/** A web UI or service port on the head (or on every worker), shown after `start` and by `info`. */
export interface RuntimeEndpoint {
  name: string;
  port: number;
  /** Where it answers: the head (default), or every worker (shown as `ip:port,...`, a client's connect list). */
  on?: 'head' | 'workers';
  /** URL scheme and path for web UIs; absent for plain service ports. */
  path?: string;
  scheme?: 'http' | 'hdfs' | 'thrift' | 'mysql' | 'postgresql';
}

/** A config error a runtime finds, at a key path of the merged config. */
export interface RuntimeIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
  /** A warning does not stop the config from loading (default: an error). */
  severity?: 'warning';
}

/** A daemon a runtime runs on nodes, under the node supervisor (its log: ~/runtime/cloudtik/logs/<name>.log). */
export interface RuntimeService {
  name: string;
  on: 'head' | 'worker' | 'all';
  /** A port that answers when the service is healthy. */
  port?: number;
}

/** What a runtime's `prepare` sees of the cluster. */
export interface SizingInput {
  workerTypes: { name: string; cpus: number; memoryMb: number }[];
  head: { cpus: number; memoryMb: number };
  /** This runtime's merged options (defaults + user). */
  options: Record<string, unknown>;
  /** The runtimes of the same section, in order (required ones added). */
  types: readonly string[];
}

export interface RuntimeDefinition {
  name: string;
  description: string;
  /** Runtimes added automatically with this one. */
  required?: readonly string[];
  /** Runtimes that, when present, are set up and started before this one. */
  dependencies?: readonly string[];
  /** Defaults for `runtime.<name>`. */
  defaults: Record<string, unknown>;
  /** JSON Schema properties of `runtime.<name>` (types are checked before anything is created). */
  options: Record<string, unknown>;
  /** Every key of `runtime.<name>` is in `options`: any other is a config error (a typo, not a setting). */
  closedOptions?: boolean;
  /** The node image family that carries the product. */
  image: string;
  /** Web UIs and ports on the head. */
  endpoints: readonly RuntimeEndpoint[];
  /** Its daemons, where they run and how to tell they are healthy (`cloudtik runtime status`). */
  services: readonly RuntimeService[];
  /** Where `cloudtik runtime configure` has something to write (default: every node). */
  configures?: 'head' | 'worker' | 'all';
  /** Values computed from the cluster (for example executor sizes), merged into `runtime.<name>`. */
  prepare?(input: SizingInput): { values: Record<string, unknown>; issues: RuntimeIssue[] };
  /** Extra lines for the "useful commands" after `start`. */
  usage?: readonly string[];
}

/**
 * The commands a runtime adds to each phase: configure at setup, restart its services at start,
 * stop them at stop; only on the kind of node where there is something to do (a command costs a
 * process on every node of a cluster that starts).
 */
export function runtimeCommands(def: Pick<RuntimeDefinition, 'name' | 'services' | 'configures'>): RuntimeCommands {
  const name = def.name;
  const configures = def.configures ?? 'all';
  const runsOn = (kind: 'head' | 'worker'): boolean => def.services.some((s) => s.on === kind || s.on === 'all');
  const when = (yes: boolean, command: string): string[] => (yes ? [command] : []);
  return {
    name,
    commands: {
      head_setup_commands: when(configures !== 'worker', `cloudtik runtime configure ${name} --head`),
      worker_setup_commands: when(configures !== 'head', `cloudtik runtime configure ${name}`),
      head_start_commands: when(runsOn('head'), `cloudtik runtime services ${name} restart --head`),
      worker_start_commands: when(runsOn('worker'), `cloudtik runtime services ${name} restart`),
      head_stop_commands: when(runsOn('head'), `cloudtik runtime services ${name} stop --head`),
      worker_stop_commands: when(runsOn('worker'), `cloudtik runtime services ${name} stop`),
    },
  };
}

export class RuntimeOrderError extends Error {}

/**
 * The runtimes to run, in order: each required runtime is added (after the one that requires
 * it, unless placed otherwise), and every runtime comes after the runtimes it depends on that
 * are present. Otherwise the user's order is kept. Unknown names and dependency cycles throw.
 */
export function orderRuntimes(
  types: readonly string[],
  registry: Readonly<Record<string, RuntimeDefinition>>,
): string[] {
  const wanted: string[] = [];
  const add = (name: string, chain: string[]): void => {
    if (wanted.includes(name)) return;
    const def = registry[name];
    if (!def)
      throw new RuntimeOrderError(`unknown runtime '${name}'${chain.length ? ` (required by ${chain.at(-1)})` : ''}`);
    wanted.push(name);
    for (const r of def.required ?? []) add(r, [...chain, name]);
  };
  for (const t of types) add(t, []);
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (ordered.includes(name)) return;
    if (visiting.has(name)) throw new RuntimeOrderError(`runtime dependencies form a cycle through '${name}'`);
    visiting.add(name);
    for (const d of registry[name]?.dependencies ?? []) if (wanted.includes(d)) visit(d);
    visiting.delete(name);
    ordered.push(name);
  };
  for (const name of wanted) visit(name);
  return ordered;
}
