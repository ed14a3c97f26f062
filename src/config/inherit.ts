import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { env } from './env.js';
import type { IssueCollector } from './issues.js';
import { isPlainObject, type PlainObject } from './merge.js';
import { assetDir } from './paths.js';
import { providerTypes } from '../providers/registry.js';
import { checkSchema, type SchemaName } from './schema-check.js';
import { closestMatch } from './suggest.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

/** One parsed config file with its data as a mapping. */
export interface ConfigLayer {
  /** Absolute path of the file. */
  file: string;
  data: PlainObject;
  source: YamlSource;
}

export interface ResolveChainOptions {
  kind: SchemaName;
  /** The user's file, already parsed and checked. */
  user: ConfigLayer;
  /** Where problems are reported. */
  issues: IssueCollector;
}

export interface ResolvedChain {
  providerType: string;
  /** Data to merge in order: system defaults, provider defaults, templates (furthest first), the user's file. */
  layers: PlainObject[];
  /** The `from:` templates that were loaded, nearest first. */
  templates: ConfigLayer[];
}

const DEFAULTS_OBJECT: Record<SchemaName, string> = { cluster: 'defaults', workspace: 'workspace-defaults' };

/** File name a `from:` value refers to: the value itself when it has an extension, else `<value>.yaml`. */
export function templateFileName(name: string): string {
  return /\.(ya?ml|json)$/i.test(name) ? name : `${name}.yaml`;
}

/** Folders searched for `from:` templates, in order: the user's (CLOUDTIK_USER_TEMPLATES), then the built-in ones. */
export function templateRoots(): string[] {
  return [...env.userTemplateDirs().map((dir) => path.resolve(dir)), assetDir('templates')];
}

/** Provider types this version has (the provider registry's); their defaults sit under `defaults/<type>/` when they have their own. */
export function knownProviderTypes(): string[] {
  return providerTypes();
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function findTemplate(name: string, roots: readonly string[]): string | undefined {
  const fileName = templateFileName(name);
  if (path.isAbsolute(fileName)) return isFile(fileName) ? fileName : undefined;
  for (const root of roots) {
    const candidate = path.join(root, fileName);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

function listTemplates(roots: readonly string[]): string[] {
  const names = new Set<string>();
  const walk = (root: string, dir: string, depth: number): void => {
    if (depth > 4) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(root, full, depth + 1);
      else if (/\.ya?ml$/i.test(entry.name)) names.add(path.relative(root, full).replace(/\.yaml$/i, ''));
    }
  };
  for (const root of roots) walk(root, root, 0);
  return [...names].sort();
}

/**
 * Reads and parses a YAML file into a layer; syntax problems and a non-mapping top level are
 * reported. An empty file gives an empty mapping. Returns `undefined` when it cannot be used.
 */
export async function readLayer(
  file: string,
  issues: IssueCollector,
  displayName = file,
): Promise<ConfigLayer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : (err as Error).message;
    issues.addAll([{ severity: 'error', file: displayName, path: '', message: `cannot read config: ${reason}` }]);
    return undefined;
  }
  const { source, issues: syntax } = parseYamlSource(text, displayName);
  issues.addAll(syntax);
  if (syntax.some((i) => i.severity === 'error')) return undefined;
  if (source.data === undefined || source.data === null) return { file, data: {}, source };
  if (!isPlainObject(source.data)) {
    issues.addAll([
      {
        severity: 'error',
        file: displayName,
        line: 1,
        col: 1,
        path: '',
        message: 'the config must be a mapping of keys to values',
      },
    ]);
    return undefined;
  }
  return { file, data: source.data, source };
}

function providerTypeOf(data: PlainObject): string | undefined {
  const provider = data.provider;
  if (!isPlainObject(provider)) return undefined;
  return typeof provider.type === 'string' ? provider.type : undefined;
}

async function loadTemplates(options: ResolveChainOptions): Promise<ConfigLayer[] | undefined> {
  const { user, issues, kind } = options;
  const roots = templateRoots();
  const templates: ConfigLayer[] = [];
  const chain = [user.file];
  let current = user;
  while (typeof current.data.from === 'string') {
    const name = current.data.from;
    const found = findTemplate(name, roots);
    if (!found) {
      const match = closestMatch(name, listTemplates(roots));
      const hint = match
        ? `did you mean '${match}'?`
        : `looked for ${templateFileName(name)} in: ${roots.join(', ')} (add folders with CLOUDTIK_USER_TEMPLATES)`;
      issues.error(['from'], `template '${name}' not found`, { source: current.source, hint });
      return undefined;
    }
    const file = path.resolve(found);
    if (chain.includes(file)) {
      issues.error(['from'], `templates form a cycle: ${[...chain, file].join(' -> ')}`, { source: current.source });
      return undefined;
    }
    chain.push(file);
    const layer = await readLayer(file, issues);
    if (!layer) return undefined;
    issues.addAll(checkSchema(layer.data, { schema: kind, stage: 'file', file, source: layer.source }));
    templates.push(layer);
    current = layer;
  }
  return templates;
}

async function loadSystemDefaults(kind: SchemaName, providerType: string): Promise<PlainObject[]> {
  const root = assetDir('defaults');
  const object = DEFAULTS_OBJECT[kind];
  const providerFile = path.join(root, providerType, `${object}.yaml`);
  const layers: PlainObject[] = [];
  const seen = new Set<string>();
  let next: string | undefined = isFile(providerFile) ? providerFile : path.join(root, templateFileName(object));
  while (next !== undefined) {
    if (seen.has(next)) throw new Error(`built-in defaults form a cycle at ${next}`);
    seen.add(next);
    const { source, issues } = parseYamlSource(await readFile(next, 'utf8'), next);
    if (issues.some((i) => i.severity === 'error') || !isPlainObject(source.data ?? {})) {
      throw new Error(`built-in defaults ${next} are not a valid YAML mapping`);
    }
    const data = (source.data ?? {}) as PlainObject;
    layers.unshift(data);
    next = typeof data.from === 'string' ? path.join(root, templateFileName(data.from)) : undefined;
  }
  return layers;
}

/**
 * Follows the `from:` chain of the user's file through the template folders (user folders
 * first, then built-in), checks each template against the schema as written, requires every
 * template's `provider.type` to agree, and ends at the provider's built-in defaults. Cycles,
 * missing templates and unknown provider types are reported (with hints) and give `undefined`.
 */
export async function resolveChain(options: ResolveChainOptions): Promise<ResolvedChain | undefined> {
  const { user, issues, kind } = options;
  const templates = await loadTemplates(options);
  if (!templates) return undefined;

  const declaring = [user, ...templates].filter((layer) => providerTypeOf(layer.data) !== undefined);
  const owner = declaring[0];
  const known = knownProviderTypes();
  if (!owner) {
    issues.error(['provider', 'type'], 'is required', {
      at: 'key',
      hint: `set provider.type to one of: ${known.join(', ')}`,
    });
    return undefined;
  }
  const providerType = providerTypeOf(owner.data)!;
  let ok = true;
  for (const layer of declaring.slice(1)) {
    const type = providerTypeOf(layer.data);
    if (type !== providerType) {
      issues.error(['provider', 'type'], `template provider type '${type}' does not match '${providerType}'`, {
        source: layer.source,
        hint: `the config uses provider '${providerType}' (from ${owner.source.file})`,
      });
      ok = false;
    }
  }
  if (!known.includes(providerType)) {
    const match = closestMatch(providerType, known);
    issues.error(['provider', 'type'], `unknown provider type '${providerType}'`, {
      source: owner.source,
      hint: match ? `did you mean '${match}'?` : `known provider types: ${known.join(', ')}`,
    });
    ok = false;
  }
  if (!ok) return undefined;

  const system = await loadSystemDefaults(kind, providerType);
  const layers = [...system, ...[...templates].reverse().map((t) => t.data), user.data];
  return { providerType, layers, templates };
}
