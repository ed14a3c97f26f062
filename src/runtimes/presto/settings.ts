/**
 * Presto's settings, as pure functions of the cluster (tested in settings.test.ts). Presto is the
 * engine Trino forked from: the same ports, memory rule, metastore and extra catalogs as the trino
 * runtime (../trino/settings.ts), with Presto's own property names where they differ.
 */
import { propertiesText } from '../node/jvm-daemon.js';
import {
  engineConfigValues,
  engineNodeProperties,
  trinoMemory,
  type TrinoMemory,
  type TrinoNode,
} from '../trino/settings.js';

export interface PrestoMemory extends TrinoMemory {
  /** query.max-total-memory-per-node (user and system memory of a query on a node): 70% of the heap. */
  maxTotalMemoryPerNodeMb: number;
}

/** Trino's rule (80% of the node, half per query, a quarter headroom) plus Presto's total per node. Pure. */
export function prestoMemory(nodeMemoryMb: number, heapMb?: number): PrestoMemory {
  const memory = trinoMemory(nodeMemoryMb, heapMb);
  return { ...memory, maxTotalMemoryPerNodeMb: Math.floor(memory.heapMb * 0.7) };
}

export interface PrestoNode extends TrinoNode {
  memory: PrestoMemory;
}

/** etc/config.properties: the coordinator also serves discovery, which workers announce themselves to. Pure. */
export function configProperties(n: PrestoNode): string {
  const values = engineConfigValues(n);
  if (n.coordinator) values['discovery-server.enabled'] = true;
  values['query.max-total-memory-per-node'] = `${n.memory.maxTotalMemoryPerNodeMb}MB`;
  return propertiesText(values, n.coordinator ? 'Presto coordinator' : 'Presto worker');
}

/** Presto's etc/node.properties (see engineNodeProperties). Pure. */
export const nodeProperties = (nodeId: string, dataDir: string): string =>
  engineNodeProperties('presto', 'Presto', nodeId, dataDir);

/**
 * etc/jvm.config for Presto's server on Java 11: the heap from prestoMemory, a small initial heap
 * (nodes share their memory with HDFS and YARN), G1, exit on running out of memory (the supervisor
 * restarts it) and no heap dumps (a dump of a node's heap would fill its disk). Pure.
 */
export function jvmConfig(memory: PrestoMemory): string {
  const lines = [
    '-server',
    `-Xmx${memory.heapMb}m`,
    '-XX:InitialRAMPercentage=5',
    '-XX:+UseG1GC',
    '-XX:G1HeapRegionSize=32M',
    '-XX:+UseGCOverheadLimit',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:ReservedCodeCacheSize=256M',
    '-Djdk.attach.allowAttachSelf=true',
    '-Dfile.encoding=UTF-8',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The Hive catalog over the metastore at `metastoreUri`: Presto's hive-hadoop2 connector (Hadoop's
 * client is inside the plugin) reading HDFS with the node's Hadoop settings. Pure.
 */
export function hiveCatalog(metastoreUri: string, hadoopConfDir: string): string {
  return propertiesText(
    {
      'connector.name': 'hive-hadoop2',
      'hive.metastore.uri': metastoreUri,
      'hive.config.resources': `${hadoopConfDir}/core-site.xml,${hadoopConfDir}/hdfs-site.xml`,
    },
    'Hive catalog',
  );
}
