import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { schemaAjv, validatorSchemas } from './schema-check.js';
import { validatorsModuleSource } from './schema-standalone.js';

/** The module the build writes, evaluated here as Node would load it. */
function evaluate(source: string): Record<string, ValidateFunction | string> {
  const module = { exports: {} as Record<string, ValidateFunction | string> };
  const run = vm.compileFunction(source, ['module', 'exports', 'require']) as (...args: unknown[]) => void;
  run(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}

function compiledAtRuntime(): Record<string, ValidateFunction> {
  const { schemas } = validatorSchemas();
  const ajv = schemaAjv();
  return Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, ajv.compile(schema)]));
}

const summary = (errors: readonly ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => ({ ...e, parentSchema: Object.keys(e.parentSchema ?? {}).sort(), schema: undefined }));

const fixtures = path.join(import.meta.dirname, '../../test/fixtures/cloudtik');
const configs = readdirSync(fixtures)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(path.join(fixtures, f), 'utf8')) as Record<string, unknown>);

/** Valid configs and broken ones: unknown keys, wrong types, bad enum values, missing keys. */
const inputs: unknown[] = [
  ...configs,
  ...configs.map((c) => ({ ...c, max_workers: 'many', clustre_name: 'x' })),
  { provider: { type: 'nowhere' }, available_node_types: { w: { min_workers: -1, node_config: 3 } } },
  { cluster_name: 7, runtime: { types: 'spark' }, docker: { enabled: 'yes' } },
  {},
  null,
];

describe('precompiled schema validators', () => {
  const ahead = evaluate(validatorsModuleSource());
  const now = compiledAtRuntime();

  it('carry the hash of the schemas they were made from', () => {
    expect(ahead.schemaHash).toBe(validatorSchemas().hash);
    expect(Object.keys(now).sort()).toEqual(['cluster_file', 'cluster_merged', 'workspace_file', 'workspace_merged']);
  });

  it.each(Object.keys(now))('%s gives the same answers and errors as the schemas compiled at run time', (name) => {
    const before = ahead[name] as ValidateFunction;
    const runtime = now[name]!;
    let invalid = 0;
    for (const input of inputs) {
      const valid = runtime(input);
      expect(before(input)).toBe(valid);
      expect(summary(before.errors)).toEqual(summary(runtime.errors));
      if (!valid) invalid += 1;
    }
    expect(invalid).toBeGreaterThan(3);
  });
});
