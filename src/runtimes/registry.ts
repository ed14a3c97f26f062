import { flink } from './flink/index.js';
import { hdfs } from './hdfs/index.js';
import { kafka } from './kafka/index.js';
import { metastore } from './metastore/index.js';
import { mysql } from './mysql/index.js';
import { postgres } from './postgres/index.js';
import { presto } from './presto/index.js';
import { prometheus } from './prometheus/index.js';
import type { RuntimeDefinition } from './runtime.js';
import { spark } from './spark/index.js';
import { trino } from './trino/index.js';
import { yarn } from './yarn/index.js';
import { zookeeper } from './zookeeper/index.js';

/** Every runtime this build can run, by name. */
export const RUNTIMES: Readonly<Record<string, RuntimeDefinition>> = {
  prometheus,
  hdfs,
  yarn,
  spark,
  zookeeper,
  kafka,
  flink,
  mysql,
  postgres,
  metastore,
  trino,
  presto,
};
