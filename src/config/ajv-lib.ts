/**
 * Ajv as the config checks get it: through {@link ajvClass}, called where a schema is compiled.
 * The bundled CLI loads, in place of this module, ajv-cached.ts (see scripts/bundle-cli.mjs): Ajv
 * from a CommonJS bundle of this file, through V8's code cache, on first use only, so a command
 * whose config needs no compiled schema (the cluster schemas are compiled at build time) does not
 * load it at all.
 */
import { Ajv } from 'ajv';

export function ajvClass(): typeof Ajv {
  return Ajv;
}
