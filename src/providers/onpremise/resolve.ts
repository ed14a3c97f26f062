/**
 * What an onpremise config takes from its host-pool service when it is loaded: the service's
 * address (written into the config the head gets, so its controller asks the same service) and
 * the pool's instance types, which size the node types.
 */
import type { ProviderConfig } from '../../config/types.js';
import { poolConnection } from './connection.js';
import { PoolClient } from './client.js';

export async function resolveConfig(section: ProviderConfig): Promise<Record<string, unknown>> {
  const c = await poolConnection(section);
  const instanceTypes = await new PoolClient(c.address, c.token).call('get_instance_types');
  return { cloud_simulator_address: c.address, instance_types: instanceTypes };
}
