import type { RuntimeDefinition } from '../runtime.js';

export const yarn: RuntimeDefinition = {
  name: 'yarn',
  description: "YARN: the ResourceManager on the head, a NodeManager with Spark's shuffle service on every worker",
  dependencies: ['hdfs'],
  image: 'cloudtik/spark-runtime',
  defaults: {},
  options: {},
  services: [
    { name: 'yarn-resourcemanager', on: 'head', port: 8088 },
    { name: 'yarn-nodemanager', on: 'worker', port: 8042 },
  ],
  endpoints: [{ name: 'YARN ResourceManager web UI', port: 8088, path: '/cluster', scheme: 'http' }],
  usage: ["cloudtik exec {file} 'yarn node -list'    # the NodeManagers"],
};
