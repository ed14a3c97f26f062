/**
 * What the bundled CLI loads in place of client-lib.ts (see scripts/bundle-cli.mjs): the same
 * parts of `@kubernetes/client-node`, from the CommonJS bundle beside this one, through V8's code
 * cache (see src/core/code-cache.ts).
 */
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '../../core/code-cache.js';

type Lib = typeof import('./client-lib.js');

const lib = requireWithCodeCache(fileURLToPath(new URL('./kube-client.cjs', import.meta.url))) as Lib;

export const { CoreV1Api, Exec, KubeConfig, PatchStrategy, PortForward, RbacAuthorizationV1Api, setHeaderOptions } =
  lib;
