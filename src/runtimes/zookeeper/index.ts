import type { RuntimeDefinition } from '../runtime.js';
import { CLIENT_PORT } from './settings.js';

export const zookeeper: RuntimeDefinition = {
  name: 'zookeeper',
  description:
    'Apache ZooKeeper: an ensemble of the workers (myid from the node sequence), growing and replacing members by reconfiguration',
  image: 'cloudtik/streaming-runtime',
  closedOptions: true,
  defaults: { config: {} },
  options: {
    config: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      description: 'Extra zoo.cfg settings (merged over the defaults).',
    },
  },
  configures: 'worker',
  services: [{ name: 'zookeeper', on: 'worker', port: CLIENT_PORT }],
  endpoints: [{ name: 'ZooKeeper ensemble (zookeeper.connect)', port: CLIENT_PORT, on: 'workers' }],
  usage: ["cloudtik exec {file} --node-ip <worker> 'echo srvr | nc -q 1 localhost 2181'   # a ZooKeeper server's mode"],
};
