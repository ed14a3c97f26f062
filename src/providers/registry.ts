/**
 * `provider.type` → the provider's module, loaded when first asked for. The one place that names
 * provider folders: adding a provider is its folder under src/providers/ and one line here.
 */
import { closestMatch } from '../config/suggest.js';
import { CloudtikError } from '../core/errors.js';
import type { ProviderConfig } from '../config/types.js';
import type { ProviderModule } from './provider.js';

const LOADERS: Record<string, () => Promise<{ provider: ProviderModule }>> = {
  kubernetes: () => import('./kubernetes/index.js'),
  local: () => import('./local/index.js'),
  onpremise: () => import('./onpremise/index.js'),
  virtual: () => import('./virtual/index.js'),
};

/** The provider types this version knows, sorted. */
export function providerTypes(): string[] {
  return Object.keys(LOADERS).sort();
}

/**
 * The module of provider `type`. Configs are checked against {@link providerTypes} when loaded
 * (an unknown type is reported at its key); this error is for configs built in code.
 */
export async function loadProvider(type: string): Promise<ProviderModule> {
  const load = Object.hasOwn(LOADERS, type) ? LOADERS[type] : undefined;
  if (load === undefined) {
    const match = closestMatch(type, providerTypes());
    throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `provider.type: unknown provider type '${type}'`, {
      hint: `${match ? `did you mean '${match}'? ` : ''}known provider types: ${providerTypes().join(', ')}`,
    });
  }
  return (await load()).provider;
}

/**
 * Providers whose configs take keys from outside the file when loaded (the onpremise pool's
 * address and instance types), each a module of its own so that loading other configs stays light.
 */
const CONFIG_RESOLVERS: Record<
  string,
  () => Promise<{ resolveConfig(section: ProviderConfig): Promise<Record<string, unknown>> }>
> = {
  onpremise: () => import('./onpremise/resolve.js'),
};

/** The keys a provider section gets from outside the file, if its provider has any. */
export async function resolveProviderConfig(section: ProviderConfig): Promise<Record<string, unknown> | undefined> {
  const load = Object.hasOwn(CONFIG_RESOLVERS, section.type) ? CONFIG_RESOLVERS[section.type] : undefined;
  return load ? (await load()).resolveConfig(section) : undefined;
}

/**
 * The host-pool service (`cloudtik simulator`) and its client: the other side of the onpremise
 * provider, loaded when the command runs.
 */
export function loadPoolService(): Promise<typeof import('./onpremise/pool/service.js')> {
  return import('./onpremise/pool/service.js');
}
