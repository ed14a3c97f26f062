import { formatMemoryWhole } from '../../core/units.js';
import type { RuntimeDefinition, RuntimeIssue } from '../runtime.js';
import { sparkSizing } from './sizing.js';

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
  prepare({ workerTypes, head, options }) {
    const ratio = typeof options.yarn_memory_ratio === 'number' ? options.yarn_memory_ratio : 0.8;
    const issues: RuntimeIssue[] = [];
    // The smallest worker type decides, so every executor fits on every worker.
    let chosen: ReturnType<typeof sparkSizing> | undefined;
    for (const t of workerTypes) {
      const s = sparkSizing(t, head, ratio);
      if ('error' in s) {
        issues.push({
          path: ['available_node_types', t.name, 'node_config', 'instance_type', 'memory'],
          message: `${t.name}: ${s.error}`,
          hint: `give it at least ${formatMemoryWhole(s.neededMemoryMb * 2 ** 20)}, or leave spark out of runtime.types`,
        });
      } else if (!chosen || ('executorMemoryMb' in chosen && s.executorMemoryMb < chosen.executorMemoryMb)) {
        chosen = s;
      }
    }
    if (!chosen || 'error' in chosen) return { values: {}, issues };
    const user = options.spark_executor_resource as Record<string, unknown> | undefined;
    return {
      values: {
        spark_executor_resource: {
          spark_executor_cores: chosen.executorCores,
          spark_executor_memory: chosen.executorMemoryMb,
          spark_driver_memory: chosen.driverMemoryMb,
          yarn_container_resource_memory: chosen.yarnMemoryMb,
          yarn_container_resource_vcores: chosen.yarnVcores,
          ...user,
        },
      },
      issues,
    };
  },
};
