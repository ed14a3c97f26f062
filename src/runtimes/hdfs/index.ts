import type { RuntimeDefinition } from '../runtime.js';

export const hdfs: RuntimeDefinition = {
  name: 'hdfs',
  description: 'HDFS: the NameNode on the head, a DataNode on every worker storing blocks on its data disks',
  image: 'cloudtik/spark-runtime',
  defaults: { dfs_replication: 1 },
  options: {
    dfs_replication: { type: 'integer', minimum: 1, description: 'Block replication (default 1).' },
  },
  services: [
    { name: 'hdfs-namenode', on: 'head', port: 9870 },
    { name: 'hdfs-datanode', on: 'worker', port: 9864 },
  ],
  endpoints: [
    { name: 'HDFS NameNode web UI', port: 9870, path: '/', scheme: 'http' },
    { name: 'HDFS', port: 9000, scheme: 'hdfs' },
  ],
  usage: ["cloudtik exec {file} 'hdfs dfs -ls /'     # HDFS from the head (any node works)"],
};
