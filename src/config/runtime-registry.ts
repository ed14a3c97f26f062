/**
 * Names of the runtimes this build can install. A `runtime.types` entry outside this list is
 * a config error. Empty until runtimes are added; the runtime registry plugs in here.
 */
export function knownRuntimes(): readonly string[] {
  return [];
}
