import { RUNTIMES } from '../runtimes/registry.js';

/** Names of the runtimes this build can run. A `runtime.types` entry outside this list is a config error. */
export function knownRuntimes(): readonly string[] {
  return Object.keys(RUNTIMES);
}
