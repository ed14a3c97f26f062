/**
 * The runtime part of loading a cluster config: put `runtime.types` in order (required runtimes
 * added, dependencies first), fill each runtime's defaults, check its option types, let it
 * compute values from the node types (Spark's executor sizes), and give the command merger the
 * runtimes' command groups. Everything here happens before anything is created, so a bad runtime
 * option is a positioned config error.
 */
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { ajvClass } from './ajv-lib.js';
import { imageCarryingAll, runtimeImages } from '../runtimes/images.js';
import { RUNTIMES } from '../runtimes/registry.js';
import { orderRuntimes, runtimeCommands, RuntimeOrderError, type RuntimeDefinition } from '../runtimes/runtime.js';
import type { RuntimeCommands } from './commands.js';
import type { IssueCollector } from './issues.js';
import { isPlainObject, mergeConfig, type PlainObject } from './merge.js';
import { objectAt, workerTypeNames } from './prepare.js';

const validators = new Map<string, ValidateFunction>();
let ajv: Ajv | undefined;

function validatorOf(def: RuntimeDefinition): ValidateFunction {
  let v = validators.get(def.name);
  if (!v) {
    ajv ??= new (ajvClass())({ allErrors: true, strict: false });
    v = ajv.compile({
      type: 'object',
      properties: def.options,
      ...(def.closedOptions ? { additionalProperties: false } : {}),
    });
    validators.set(def.name, v);
  }
  return v;
}

/** The runtime types in effect for a `runtime` section (ordered, with required ones). */
export function runtimeTypesOf(runtime: unknown): string[] {
  const types = isPlainObject(runtime) && Array.isArray(runtime.types) ? runtime.types : [];
  return types.filter((t): t is string => typeof t === 'string');
}

/** Command groups of the runtimes of a `runtime` section, in order (for `mergeCommands`). */
export function runtimeCommandGroups(runtime: unknown): RuntimeCommands[] {
  return runtimeTypesOf(runtime).flatMap((t) => {
    const def = RUNTIMES[t];
    return def ? [runtimeCommands(def)] : [];
  });
}

function resourcesOf(config: PlainObject, type: string): { cpus: number; memoryMb: number } {
  const types = isPlainObject(config.available_node_types) ? config.available_node_types : {};
  const t = types[type];
  const r = isPlainObject(t) && isPlainObject(t.resources) ? t.resources : {};
  return {
    cpus: typeof r.CPU === 'number' ? r.CPU : 0,
    memoryMb: typeof r.memory === 'number' ? r.memory / 2 ** 20 : 0,
  };
}

/**
 * Prepare one `runtime` section in place (`at` is its key path, for errors): order the types,
 * fill defaults, check option types, add computed values. `workerTypes` are the types whose
 * resources size it.
 */
function prepareSection(
  config: PlainObject,
  runtime: PlainObject,
  at: (string | number)[],
  workerTypes: string[],
  issues: IssueCollector,
): void {
  let ordered: string[];
  try {
    ordered = orderRuntimes(runtimeTypesOf(runtime), RUNTIMES);
  } catch (err) {
    // Unknown names are reported by the rules with their position; cycles are ours to report.
    if (err instanceof RuntimeOrderError && /cycle/.test(err.message)) issues.error([...at, 'types'], err.message);
    return;
  }
  runtime.types = ordered;
  if (!namesImage(config)) checkOneImage(ordered, [...at, 'types'], issues);
  const head = resourcesOf(config, String(config.head_node_type));
  for (const name of ordered) {
    const def = RUNTIMES[name] as RuntimeDefinition;
    const given = runtime[name];
    if (given !== undefined && !isPlainObject(given)) {
      issues.error([...at, name], `must be a mapping of ${name} options`);
      continue;
    }
    const options = mergeConfig(structuredClone(def.defaults), given ?? {});
    const validate = validatorOf(def);
    if (!validate(options)) {
      for (const e of validate.errors ?? []) reportOptionError(def, [...at, name], e, issues);
      continue;
    }
    // Sizing reads values other rules check; on a config with errors already it would only repeat them.
    if (def.prepare && issues.errors.length === 0) {
      const { values, issues: found } = def.prepare({
        workerTypes: workerTypes.map((t) => ({ name: t, ...resourcesOf(config, t) })),
        head,
        options,
        types: ordered,
      });
      for (const i of found) {
        const report = i.severity === 'warning' ? issues.warning.bind(issues) : issues.error.bind(issues);
        report(i.path, i.message, i.hint ? { hint: i.hint } : {});
      }
      Object.assign(options, values);
    }
    runtime[name] = options;
  }
}

/** Whether the config names its node images (then which engines they carry is its own business). */
function namesImage(config: PlainObject): boolean {
  const docker = isPlainObject(config.docker) ? config.docker : {};
  return ['image', 'head_image', 'worker_image'].some((k) => typeof docker[k] === 'string');
}

/** Runtimes whose engines no one node image carries together cannot share a node. */
function checkOneImage(types: readonly string[], at: (string | number)[], issues: IssueCollector): void {
  const choice = imageCarryingAll(runtimeImages(types));
  if (!('conflict' in choice)) return;
  const [a, b] = choice.conflict;
  const on = (image: string): string => types.filter((t) => RUNTIMES[t]?.image === image).join(', ');
  issues.error(at, `no node image carries both ${on(a)} (${a}) and ${on(b)} (${b})`, {
    hint: 'run them on different node types (available_node_types.<type>.runtime.types), or name an image that carries both with docker.image',
  });
}

/** A runtime option the schema refuses, at its key path (an unknown key at the key, with the known ones). */
function reportOptionError(
  def: RuntimeDefinition,
  at: (string | number)[],
  e: ErrorObject,
  issues: IssueCollector,
): void {
  const key = e.instancePath.split('/').filter(Boolean);
  if (e.keyword === 'additionalProperties') {
    const unknown = String((e.params as { additionalProperty?: unknown }).additionalProperty);
    issues.error([...at, ...key, unknown], 'unknown key', { at: 'key', hint: knownKeys(def, key) });
    return;
  }
  issues.error([...at, ...key], `${e.message ?? 'is not valid'}`, { hint: describeOption(def, key[0]) });
}

/** The keys a runtime's section (or a mapping inside it, at `key`) takes, for an unknown key's hint. */
function knownKeys(def: RuntimeDefinition, key: readonly string[]): string | undefined {
  if (key.length === 0) return describeOption(def, undefined);
  let spec: unknown = { properties: def.options };
  for (const k of key) spec = isPlainObject(spec) && isPlainObject(spec.properties) ? spec.properties[k] : undefined;
  if (!isPlainObject(spec) || !isPlainObject(spec.properties)) return describeOption(def, key[0]);
  return `${def.name} ${key.join('.')} keys: ${Object.keys(spec.properties).join(', ')}`;
}

function describeOption(def: RuntimeDefinition, key: string | undefined): string | undefined {
  const spec = key ? def.options[key] : undefined;
  if (!isPlainObject(spec)) return `${def.name} options: ${Object.keys(def.options).join(', ') || 'none'}`;
  return typeof spec.description === 'string' ? `${key}: ${spec.description}` : undefined;
}

/**
 * Prepare the cluster's runtimes (global, and per worker type that has its own `runtime`): a
 * type's own section is the global one merged with its overrides, sized by that type alone.
 */
export function prepareRuntimes(config: PlainObject, issues: IssueCollector): void {
  const runtime = objectAt(config, 'runtime');
  if (!Array.isArray(runtime.types)) runtime.types = [];
  const workers = workerTypeNames(config);
  const typesWithOwn = workers.filter((t) => {
    const nt = (config.available_node_types as PlainObject)[t];
    return isPlainObject(nt) && isPlainObject(nt.runtime);
  });
  // Types with their own section start from the global one as written, not as sized for others.
  const written = structuredClone<PlainObject>(runtime);
  prepareSection(
    config,
    runtime,
    ['runtime'],
    workers.filter((t) => !typesWithOwn.includes(t)),
    issues,
  );
  for (const t of typesWithOwn) {
    const nt = (config.available_node_types as PlainObject)[t] as PlainObject;
    const own = mergeConfig(structuredClone<PlainObject>(written), nt.runtime as PlainObject);
    prepareSection(config, own, ['available_node_types', t, 'runtime'], [t], issues);
    nt.runtime = own;
  }
}
