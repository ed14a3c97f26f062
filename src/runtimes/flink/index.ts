import type { RuntimeDefinition } from '../runtime.js';
import { HISTORY_SERVER_PORT } from './settings.js';
import { prepareFlinkSizes } from './sizing.js';

export const flink: RuntimeDefinition = {
  name: 'flink',
  description:
    'Apache Flink on YARN (per-job applications and sessions, Java and PyFlink), with the history server on the head',
  required: ['yarn'],
  dependencies: ['hdfs', 'yarn', 'metastore'],
  image: 'cloudtik/streaming-runtime',
  closedOptions: true,
  defaults: { config: {}, metastore_service_discovery: true },
  options: {
    config: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      description: "Extra Flink settings (config.yaml keys such as 'parallelism.default'), merged over the defaults.",
    },
    hive_metastore_uri: {
      type: 'string',
      pattern: '^thrift://',
      description:
        'A Hive metastore outside the cluster (thrift://host:9083); default: the metastore runtime of the cluster.',
    },
    metastore_service_discovery: {
      type: 'boolean',
      description: "Find the Hive metastore among the cluster's runtimes (default true).",
    },
    metastore_service_selector: {
      type: 'object',
      description: 'Which discovered metastore service to use (CloudTik key; one cluster has one).',
    },
    flink_resource: {
      type: 'object',
      properties: {
        flink_jobmanager_memory: { type: 'integer', minimum: 512, description: 'JobManager process MB.' },
        flink_taskmanager_memory: { type: 'integer', minimum: 768, description: 'TaskManager process MB.' },
        flink_taskmanager_cores: {
          type: 'integer',
          minimum: 1,
          description: 'Task slots (and vcores) of a TaskManager.',
        },
        yarn_container_resource_memory: { type: 'integer', minimum: 512, description: "A NodeManager's memory MB." },
        yarn_container_resource_vcores: { type: 'integer', minimum: 1, description: "A NodeManager's vcores." },
      },
      additionalProperties: false,
      description: 'Computed from the worker type; set to override.',
    },
  },
  configures: 'head',
  services: [{ name: 'flink-history', on: 'head', port: HISTORY_SERVER_PORT }],
  endpoints: [{ name: 'Flink history server', port: HISTORY_SERVER_PORT, path: '/', scheme: 'http' }],
  usage: [
    'cloudtik submit {file} job.jar [args]   # run a Flink job on YARN (per-job; --runtime flink beside spark)',
    'cloudtik submit {file} job.py [args]    # a PyFlink job',
    "cloudtik exec {file} 'yarn-session.sh -d'   # or start a Flink session and run jobs with 'flink run -t yarn-session'",
  ],
  // JobManager, TaskManager and YARN sizes from the worker types: see sizing.ts.
  prepare: prepareFlinkSizes,
};
