import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Ajv, AnySchemaObject, ErrorObject, Options, ValidateFunction } from 'ajv';
import { ajvClass } from './ajv-lib.js';
import { appendTarget, isPlainObject } from './merge.js';
import { assetDir } from './paths.js';
import { closestMatch } from './suggest.js';
import type { CheckedClusterConfig, CheckedWorkspaceConfig, ConfigIssue, NodeTypeConfig } from './types.js';
import { formatPath, positionOf, type KeyPath, type YamlSource } from './yaml-source.js';

/** Which schema file: `cluster.json` or `workspace.json`. */
export type SchemaName = 'cluster' | 'workspace';

/**
 * `file`: a config file as written (nothing required, every key and value checked).
 * `merged`: the result of merging with templates and defaults (also checks required keys).
 */
export type SchemaStage = 'file' | 'merged';

const SCHEMA_IDS: Record<SchemaName, string> = {
  cluster: 'urn:cloudtik:schema:cluster',
  workspace: 'urn:cloudtik:schema:workspace',
};

/**
 * What the merged stage requires on top of the schema. `CheckedClusterConfig` and
 * `CheckedWorkspaceConfig` (types.ts) say the same in types; `satisfies` keeps the key names to
 * those the schema declares (a provider section takes any key, so there it cannot).
 */
const MERGED_REQUIREMENTS: Record<SchemaName, AnySchemaObject> = {
  cluster: {
    required: [
      'workspace_name',
      'cluster_name',
      'provider',
      'auth',
      'head_node_type',
      'available_node_types',
    ] satisfies Array<keyof CheckedClusterConfig>,
    properties: {
      provider: { required: ['type'] },
      auth: { required: ['ssh_user'] satisfies Array<keyof CheckedClusterConfig['auth']> },
      available_node_types: {
        additionalProperties: { required: ['node_config'] satisfies Array<keyof NodeTypeConfig> },
      },
    },
  },
  workspace: {
    required: ['workspace_name', 'provider'] satisfies Array<keyof CheckedWorkspaceConfig>,
    properties: { provider: { required: ['type'] } },
  },
};

const STAGES: readonly SchemaStage[] = ['file', 'merged'];
const SCHEMA_NAMES: readonly SchemaName[] = ['cluster', 'workspace'];
/** The file the build writes the compiled validators to, beside the schemas (see scripts/compile-schemas.mjs). */
export const PRECOMPILED_FILE = 'validators.cjs';

let ajvInstance: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();
const texts = new Map<SchemaName, string>();
const schemas = new Map<SchemaName, AnySchemaObject>();

function schemaText(name: SchemaName): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(assetDir('schema'), `${name}.json`), 'utf8');
    texts.set(name, text);
  }
  return text;
}

/** The JSON Schema object of `cluster.json` or `workspace.json` as shipped (read once; do not modify it). */
export function loadSchema(name: SchemaName): AnySchemaObject {
  let schema = schemas.get(name);
  if (!schema) {
    schema = JSON.parse(schemaText(name)) as AnySchemaObject;
    schemas.set(name, schema);
  }
  return schema;
}

/** The name of the validator of a schema at a stage: `cluster_file`, `workspace_merged`, ... */
export function validatorName(name: SchemaName, stage: SchemaStage): string {
  return `${name}_${stage}`;
}

/**
 * What every validator is made from, by validator name: the schema it checks at its stage, given an
 * `$id` so that the build can compile them all into one module. Includes the shipped schemas' hash.
 */
export interface ValidatorSchemas {
  /** Of the shipped schemas' text and of the validators' schemas. */
  hash: string;
  schemas: Record<string, AnySchemaObject>;
}

let made: ValidatorSchemas | undefined;

export function validatorSchemas(): ValidatorSchemas {
  if (made) return made;
  const out: Record<string, AnySchemaObject> = {};
  for (const name of SCHEMA_NAMES) {
    for (const stage of STAGES) {
      const ref = { $ref: SCHEMA_IDS[name] };
      const body = stage === 'file' ? ref : { allOf: [ref], ...MERGED_REQUIREMENTS[name] };
      out[validatorName(name, stage)] = { $id: `urn:cloudtik:validator:${name}:${stage}`, ...body };
    }
  }
  const hash = createHash('sha256')
    .update(SCHEMA_NAMES.map(schemaText).join('\0'))
    .update(JSON.stringify(out))
    .digest('hex');
  made = { hash, schemas: out };
  return made;
}

/**
 * An Ajv with the options every validator is compiled with (`verbose`: errors carry their schema,
 * for hints) and the shipped schemas, which the validators' schemas refer to.
 */
export function schemaAjv(extra: Options = {}): Ajv {
  const ajv = new (ajvClass())({ allErrors: true, strict: false, verbose: true, ...extra });
  for (const name of SCHEMA_NAMES) ajv.addSchema(loadSchema(name));
  return ajv;
}

/**
 * The validators the build compiled ahead (compiling the schemas took a quarter of a second of
 * every command's start), or none when absent (running from the sources) or made from other
 * schemas than these.
 */
function precompiled(): Record<string, ValidateFunction> | undefined {
  const file = path.join(assetDir('schema'), PRECOMPILED_FILE);
  if (!existsSync(file)) return undefined;
  const loaded = createRequire(import.meta.url)(file) as Record<string, ValidateFunction | string>;
  if (loaded.schemaHash !== validatorSchemas().hash) return undefined;
  return loaded as Record<string, ValidateFunction>;
}

let ahead: Record<string, ValidateFunction> | undefined | null = null;

function validatorFor(name: SchemaName, stage: SchemaStage): ValidateFunction {
  const key = validatorName(name, stage);
  if (ahead === null) ahead = precompiled();
  const ready = ahead?.[key] ?? validators.get(key);
  if (ready) return ready;
  ajvInstance ??= schemaAjv();
  const validate = ajvInstance.compile(validatorSchemas().schemas[key]!);
  validators.set(key, validate);
  return validate;
}

interface FoldedData {
  data: unknown;
  /** JSON pointer of a folded list -> the key the file used (`++setup_commands`). */
  renames: Map<string, string>;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Folds `++key` / `key++` lists into `key` so the schema sees the names it knows. */
function foldAppendKeys(data: unknown): FoldedData {
  const renames = new Map<string, string>();
  const visit = (value: unknown, pointer: string): unknown => {
    if (Array.isArray(value)) return value.map((item: unknown, i) => visit(item, `${pointer}/${i}`));
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    const appended: Array<[string, unknown[]]> = [];
    for (const [key, item] of Object.entries(value)) {
      if (Array.isArray(item) && appendTarget(key)) appended.push([key, item]);
      else out[key] = visit(item, `${pointer}/${escapePointer(key)}`);
    }
    for (const [key, list] of appended) {
      const { target, prepend } = appendTarget(key)!;
      const itemPointer = `${pointer}/${escapePointer(target)}`;
      const items = list.map((item: unknown, i) => visit(item, `${itemPointer}/${i}`));
      const current = out[target];
      if (Array.isArray(current)) {
        const existing = current as unknown[];
        out[target] = prepend ? [...items, ...existing] : [...existing, ...items];
      } else {
        out[target] = items;
        renames.set(itemPointer, key);
      }
    }
    return out;
  };
  return { data: visit(data, ''), renames };
}

/** Splits a JSON pointer into a key path, restoring `++key` names and typing list indexes as numbers. */
function pointerToPath(pointer: string, folded: FoldedData): Array<string | number> {
  if (pointer === '') return [];
  const out: Array<string | number> = [];
  let node: unknown = folded.data;
  let current = '';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    current += `/${raw}`;
    if (Array.isArray(node)) {
      const index = Number(segment);
      out.push(index);
      node = node[index];
    } else {
      out.push(folded.renames.get(current) ?? segment);
      node = isPlainObject(node) ? node[segment] : undefined;
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  null: 'null',
};

function customMessage(err: ErrorObject): string | undefined {
  const text: unknown = err.parentSchema?.errorMessage;
  return typeof text === 'string' ? text : undefined;
}

interface Described {
  path: KeyPath;
  message: string;
  hint?: string;
  at: 'key' | 'value';
}

function describeError(err: ErrorObject, folded: FoldedData): Described {
  const base = pointerToPath(err.instancePath, folded);
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const properties: unknown = err.parentSchema?.properties;
      const known = isPlainObject(properties) ? Object.keys(properties) : [];
      const match = closestMatch(key, known);
      let hint: string | undefined;
      if (match !== undefined) hint = `did you mean '${match}'?`;
      else if (known.length > 0 && known.length <= 15) hint = `known keys: ${[...known].sort().join(', ')}`;
      const written = folded.renames.get(`${err.instancePath}/${escapePointer(key)}`) ?? key;
      return { path: [...base, written], message: 'unknown key', at: 'key', ...(hint === undefined ? {} : { hint }) };
    }
    case 'required':
      return { path: [...base, String(params.missingProperty)], message: 'is required', at: 'key' };
    case 'type': {
      const expected = String(params.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ');
      return { path: base, message: `must be ${expected}, not ${typeName(err.data)}`, at: 'value' };
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.map((v) => JSON.stringify(v)) : [];
      return {
        path: base,
        message: `must be one of the allowed values, not ${describe(err.data)}`,
        hint: `allowed: ${allowed.join(', ')}`,
        at: 'value',
      };
    }
    case 'const':
      return { path: base, message: `must be ${JSON.stringify(params.allowedValue)}`, at: 'value' };
    default:
      break;
  }
  if (err.propertyName !== undefined) {
    return {
      path: [...base, err.propertyName],
      message: `invalid name: ${customMessage(err) ?? err.message ?? 'not allowed'}`,
      at: 'key',
    };
  }
  const message = customMessage(err) ?? err.message ?? 'is invalid';
  const found = isPlainObject(err.data) || Array.isArray(err.data) ? '' : ` (found ${describe(err.data)})`;
  return { path: base, message: `${message}${found}`, at: 'value' };
}

/** Drops errors that only explain a failed `anyOf`/`oneOf` branch or a `propertyNames` wrapper. */
function pruneErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  return errors.filter((err) => {
    if (err.keyword === 'propertyNames') return false;
    return !combinators.some(
      (c) =>
        c !== err &&
        (err.instancePath === c.instancePath || err.instancePath.startsWith(`${c.instancePath}/`)) &&
        err.schemaPath.startsWith(`${c.schemaPath}/`),
    );
  });
}

export interface SchemaCheckOptions {
  schema: SchemaName;
  stage: SchemaStage;
  /** File named in the issues. */
  file: string;
  /** Parsed source of `file`, for positions; paths it does not contain get none. */
  source?: YamlSource;
}

/**
 * Checks `data` against the cluster or workspace schema and returns one error issue per
 * problem (all of them, deduplicated), positioned at the offending key or value when
 * `source` writes it. Unknown keys get a "did you mean" hint; `++key`/`key++` lists are
 * checked as the list `key` they extend.
 */
export function checkSchema(data: unknown, options: SchemaCheckOptions): ConfigIssue[] {
  const folded = foldAppendKeys(data);
  const validate = validatorFor(options.schema, options.stage);
  if (validate(folded.data)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const err of pruneErrors(validate.errors ?? [])) {
    const described = describeError(err, folded);
    const pathText = formatPath(described.path);
    const key = `${pathText}\u0000${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const issue: ConfigIssue = { severity: 'error', file: options.file, path: pathText, message: described.message };
    const pos = options.source ? positionOf(options.source, described.path, described.at) : undefined;
    if (!pos && described.message === 'is required' && options.source) {
      const parent = positionOf(options.source, described.path.slice(0, -1), 'key');
      if (parent) Object.assign(issue, parent);
    } else if (pos) Object.assign(issue, pos);
    if (described.hint !== undefined) issue.hint = described.hint;
    issues.push(issue);
  }
  return issues;
}
