/**
 * What the bundled CLI loads in place of ajv-lib.ts (see scripts/bundle-cli.mjs): Ajv from the
 * CommonJS bundle of ajv-lib.ts beside this one, through V8's code cache (src/core/code-cache.ts),
 * when a schema is first compiled.
 */
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '../core/code-cache.js';

type AjvLib = typeof import('./ajv-lib.js');

let lib: AjvLib | undefined;

export function ajvClass(): ReturnType<AjvLib['ajvClass']> {
  lib ??= requireWithCodeCache(fileURLToPath(new URL('./ajv.cjs', import.meta.url))) as AjvLib;
  return lib.ajvClass();
}
