/**
 * What the bundled CLI loads in place of client-lib.ts (see scripts/bundle-cli.mjs): its object,
 * from the CommonJS bundle of it beside this one, through V8's code cache (see
 * src/core/code-cache.ts).
 */
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '../../core/code-cache.js';

type ClientLib = typeof import('./client-lib.js');

export const { kubeClient } = requireWithCodeCache(
  fileURLToPath(new URL('./kube-client.cjs', import.meta.url)),
) as ClientLib;
