/**
 * The build's half of precompiled schema validators: every validator of `schema-check.ts` compiled
 * into the source of one CommonJS module (Ajv's standalone code), with the hash of the schemas it
 * was made from. The CLI loads it instead of compiling the schemas at each start.
 */
import standalone from 'ajv/dist/standalone/index.js';
import { schemaAjv, validatorSchemas } from './schema-check.js';

export function validatorsModuleSource(): string {
  const { hash, schemas } = validatorSchemas();
  const ajv = schemaAjv({ code: { source: true } });
  const ids: Record<string, string> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    ajv.addSchema(schema);
    ids[name] = String(schema.$id);
  }
  return `${standalone.default(ajv, ids)}\nexports.schemaHash = ${JSON.stringify(hash)};\n`;
}
