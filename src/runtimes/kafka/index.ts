import type { RuntimeDefinition } from '../runtime.js';
import { BROKER_PORT } from './settings.js';

export const kafka: RuntimeDefinition = {
  name: 'kafka',
  description:
    'Apache Kafka: a broker on every worker (broker.id from the node sequence), on ZooKeeper when it is in the cluster, in KRaft mode otherwise',
  dependencies: ['zookeeper'],
  image: 'cloudtik/streaming-runtime',
  closedOptions: true,
  defaults: { config: {}, zookeeper_service_discovery: true },
  options: {
    config: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      description: 'Extra server.properties settings (merged over the defaults).',
    },
    zookeeper_connect: {
      type: 'string',
      description: 'A ZooKeeper outside the cluster (host:port,...); default: the zookeeper runtime of the cluster.',
    },
    zookeeper_service_discovery: {
      type: 'boolean',
      description: "Find ZooKeeper among the cluster's runtimes (default true).",
    },
    zookeeper_service_selector: {
      type: 'object',
      description: 'Which discovered ZooKeeper service to use (CloudTik key; one cluster has one).',
    },
  },
  configures: 'worker',
  services: [{ name: 'kafka', on: 'worker', port: BROKER_PORT }],
  endpoints: [{ name: 'Kafka brokers (bootstrap.servers)', port: BROKER_PORT, on: 'workers' }],
  usage: [
    "cloudtik exec {file} --node-ip <worker> 'kafka-topics --bootstrap-server $CLOUDTIK_NODE_IP:9092 --list'   # topics",
  ],
};
