// Writes the TypeScript types of the cluster and workspace configs, src/config/generated/<name>.ts,
// from the JSON Schemas src/config/schema/<name>.json, so the types the code reads configs through
// and the schema configs are checked against cannot drift apart. src/config/types.ts narrows them
// to what the loader guarantees; src/config/generated-types.test.ts fails when they are stale.
// Usage: node scripts/gen-config-types.mjs   (npm run gen:types; after changing a schema)
// Plain .ts files, not .d.ts: tsc copies no .d.ts to dist/, and dist/config/types.d.ts imports these.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import * as prettier from 'prettier';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_NAMES = ['cluster', 'workspace'];

/** Where the types of schema `name` are written, relative to the repository root. */
export function generatedPath(name) {
  return path.join('src/config/generated', `${name}.ts`);
}

const banner = (name) =>
  [
    '/**',
    ` * Generated from src/config/schema/${name}.json by scripts/gen-config-types.mjs: do not edit.`,
    ' * After changing the schema, run `npm run gen:types` (a unit test fails until the two agree).',
    ' * Every key is optional here, as in a file; src/config/types.ts says what loading guarantees.',
    ' */',
  ].join('\n');

// Keywords whose value is one schema, a list of schemas, or a map of names to schemas.
const ONE = ['items', 'additionalProperties', 'propertyNames', 'not', 'if', 'then', 'else'];
const LIST = ['allOf', 'anyOf', 'oneOf'];
const MAP = ['properties', 'definitions'];

const isObjectSchema = (schema) => [schema.type].flat().includes('object');

/**
 * The copy of a schema the type generator reads (the shipped schema, and so what configs may say,
 * is unchanged):
 * - `patternProperties` (the `++key`/`key++` list appends) are left out: the loader folds them
 *   into `key` when it merges, so no loaded config has them, and they would add an index
 *   signature that lets any key through.
 * - A `$ref` to a definition that is not an object (a command list, a memory size) is written
 *   out in place with the referring node's description, so the key keeps its comment instead of
 *   becoming `Commands1`...`Commands7`; a `$ref` to an object definition drops the referring
 *   node's title and description so every use is the one named interface.
 * - A `title` names an interface only on objects: on a string it would make `type ClusterName = string`.
 */
export function schemaForTypes(schema) {
  const definitions = schema.definitions ?? {};
  const visit = (node) => {
    if (typeof node !== 'object' || node === null) return node;
    if (typeof node.$ref === 'string') {
      const target = definitions[node.$ref.replace(/^#\/definitions\//, '')];
      if (!target) throw new Error(`${node.$ref}: not a definition of this schema`);
      if (isObjectSchema(target)) return { $ref: node.$ref };
      const own = node.description === undefined ? {} : { description: node.description };
      return visit({ ...target, ...own, title: undefined });
    }
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'patternProperties' || value === undefined) continue;
      if (key === 'title' && !isObjectSchema(node)) continue;
      if (ONE.includes(key)) out[key] = visit(value);
      else if (LIST.includes(key)) out[key] = value.map(visit);
      else if (MAP.includes(key)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
      else out[key] = value;
    }
    return out;
  };
  const out = visit(schema);
  // Definitions that are not objects were written out where they are used.
  for (const [name, definition] of Object.entries(definitions)) {
    if (!isObjectSchema(definition)) delete out.definitions[name];
  }
  return out;
}

/** The generated source of each schema's types, formatted with the project's prettier config. */
export async function generateConfigTypes() {
  const out = {};
  for (const name of SCHEMA_NAMES) {
    const schema = JSON.parse(readFileSync(path.join(root, 'src/config/schema', `${name}.json`), 'utf8'));
    const file = path.join(root, generatedPath(name));
    const source = await compile(schemaForTypes(schema), name, {
      bannerComment: banner(name),
      format: false,
      unknownAny: true,
      additionalProperties: true,
      declareExternallyReferenced: true,
    });
    const style = (await prettier.resolveConfig(file)) ?? {};
    out[generatedPath(name)] = await prettier.format(source, { ...style, filepath: file });
  }
  return out;
}

async function main() {
  for (const [relative, text] of Object.entries(await generateConfigTypes())) {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`gen-config-types: ${relative}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
