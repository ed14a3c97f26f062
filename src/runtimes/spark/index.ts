import type { RuntimeDefinition } from '../runtime.js';
import { prepareSparkSizes } from './sizing.js';

/**
 * The logging config `cloudtik submit` runs a job's driver with (in the node's Spark conf folder):
 * Spark's messages go to the job log named by the `cloudtik.job.log` system property.
 */
export const JOB_LOG4J_FILE = 'log4j2-job.properties';

export const spark: RuntimeDefinition = {
  name: 'spark',
  description: 'Apache Spark on YARN, with the history server on the head',
  required: ['yarn'],
  dependencies: ['hdfs', 'yarn'],
  image: 'cloudtik/spark-runtime',
  defaults: { config: {}, yarn_memory_ratio: 0.8 },
  options: {
    config: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      description: 'Extra spark-defaults.conf settings.',
    },
    yarn_memory_ratio: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1,
      description: "Share of a worker's memory YARN hands to containers (default 0.8).",
    },
    spark_executor_resource: { type: 'object', description: 'Computed from the worker type; set to override.' },
  },
  services: [{ name: 'spark-history', on: 'head', port: 18080 }],
  endpoints: [{ name: 'Spark history server', port: 18080, path: '/', scheme: 'http' }],
  usage: [
    'cloudtik submit {file} job.py [args]     # run a PySpark job (spark-submit on the head)',
    "cloudtik exec {file} 'pyspark'            # or attach and run spark-submit / pyspark",
  ],
  // Executor, driver and YARN sizes from the worker types: see sizing.ts.
  prepare: prepareSparkSizes,
};
