/**
 * Trino's settings, as pure functions of the cluster (tested in settings.test.ts): memory from a
 * node's memory, and the text of the files in its etc folder (config.properties, node.properties,
 * jvm.config, the catalogs).
 */
import { METASTORE_PORT } from '../metastore/index.js';
import { propertiesText } from '../node/jvm-daemon.js';

/** The coordinator's HTTP port (its web UI, the CLI's and the workers' discovery address). */
export const COORDINATOR_PORT = 8081;
/** A worker's HTTP port. */
export const WORKER_PORT = 8080;
/**
 * Where the coordinator asks for its own discovery service: a relay on the head's loopback address
 * that shortens how long it keeps a service list (see discovery-relay.ts).
 */
export const DISCOVERY_RELAY_PORT = 18081;
/** The relay's service on the head, per engine (`trino-discovery`, `presto-discovery`). */
export const relayService = (engine: string): string => `${engine}-discovery`;
/**
 * How long a worker the coordinator's failure detector has just found must answer its heartbeats
 * (every 0.5 s) before it gets work; the engine's default is 5 s. The engine's node list refresh
 * (every 5 s) is not a setting; a worker still warming up at a refresh waits for the next one, so
 * this is worth more than its 4 s: the SQL stack of bench/runtimes.mjs was ready in 39.6 s with
 * it, 50.7 s without (medians of 3).
 */
const FAILURE_WARMUP = '1s';

/** A node's memory when its type declares none (the virtual provider's default instance type). */
const UNKNOWN_NODE_MB = 4096;
/** The least heap Trino gets: below it a node runs out before a query does anything useful. */
export const MIN_HEAP_MB = 512;

export interface TrinoMemory {
  heapMb: number;
  /** query.max-memory-per-node: half the heap. */
  maxMemoryPerNodeMb: number;
  /** memory.heap-headroom-per-node: a quarter of the heap, kept for what queries do not account. */
  headroomMb: number;
}

/**
 * CloudTik's rule: the heap is 80% of the node's memory, a query gets half the heap per node and a
 * quarter is headroom; the heap is at least MIN_HEAP_MB (small test nodes). `heapMb` overrides the
 * node's share. Pure.
 */
export function trinoMemory(nodeMemoryMb: number, heapMb?: number): TrinoMemory {
  const node = nodeMemoryMb > 0 ? nodeMemoryMb : UNKNOWN_NODE_MB;
  const heap = Math.max(MIN_HEAP_MB, Math.floor(heapMb ?? node * 0.8));
  return { heapMb: heap, maxMemoryPerNodeMb: Math.floor(heap * 0.5), headroomMb: Math.floor(heap * 0.25) };
}

export interface TrinoNode {
  coordinator: boolean;
  headIp: string;
  memory: TrinoMemory;
  /** query.max-memory (cluster-wide per query), as Trino writes it (`50GB`). */
  queryMaxMemory: string;
  /** Whether the cluster has workers: then the coordinator schedules no work on itself. */
  hasWorkers: boolean;
}

/** etc/config.properties' values of a Trino-family engine (Presto adds its own to them). Pure. */
export function engineConfigValues(n: TrinoNode): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = { coordinator: n.coordinator };
  if (n.coordinator) {
    values['node-scheduler.include-coordinator'] = !n.hasWorkers;
    values['failure-detector.warmup-interval'] = FAILURE_WARMUP;
  }
  return Object.assign(values, {
    'http-server.http.port': n.coordinator ? COORDINATOR_PORT : WORKER_PORT,
    'discovery.uri': n.coordinator
      ? `http://127.0.0.1:${DISCOVERY_RELAY_PORT}`
      : `http://${n.headIp}:${COORDINATOR_PORT}`,
    'query.max-memory': n.queryMaxMemory,
    'query.max-memory-per-node': `${n.memory.maxMemoryPerNodeMb}MB`,
    'memory.heap-headroom-per-node': `${n.memory.headroomMb}MB`,
  });
}

/** etc/config.properties. Pure. */
export function configProperties(n: TrinoNode): string {
  return propertiesText(engineConfigValues(n), n.coordinator ? 'Trino coordinator' : 'Trino worker');
}

/**
 * etc/node.properties of a Trino-family engine (`trino`, `presto`: its environment name): `nodeId`
 * is the cluster node's id (stable across restarts), made safe for the engine. Pure.
 */
export function engineNodeProperties(engine: string, label: string, nodeId: string, dataDir: string): string {
  return propertiesText(
    {
      'node.environment': engine,
      'node.id': nodeId.replace(/[^A-Za-z0-9_-]/g, '-'),
      'node.data-dir': dataDir,
    },
    `${label} node`,
  );
}

/** Trino's etc/node.properties (see engineNodeProperties). Pure. */
export const nodeProperties = (nodeId: string, dataDir: string): string =>
  engineNodeProperties('trino', 'Trino', nodeId, dataDir);

/**
 * etc/jvm.config: the options Trino's documentation gives for its server, with the heap from
 * trinoMemory, a small initial heap (nodes share their memory with HDFS and YARN) and no heap dumps
 * (a dump of a node's heap would fill its disk); with `aotCache`, the server starts from that AOT
 * cache (the image's, made with these same options by docker/sql/trino-aot-train.sh, which a test
 * keeps in step with this list). Pure.
 */
export function jvmConfig(memory: TrinoMemory, aotCache?: string): string {
  const lines = [
    '-server',
    `-Xmx${memory.heapMb}m`,
    '-XX:InitialRAMPercentage=5',
    '-XX:+UseG1GC',
    '-XX:G1HeapRegionSize=32M',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:-OmitStackTraceInFastThrow',
    '-XX:ReservedCodeCacheSize=256M',
    '-XX:PerMethodRecompilationCutoff=10000',
    '-XX:PerBytecodeRecompilationCutoff=10000',
    // Ten times the JIT's usual call counts before it compiles a method: the server's start-up
    // code (plugin loading, dependency injection), which runs a few times only, stays interpreted,
    // while a query's hot loops still reach the optimising compiler within its first rows.
    // Measured on one core with the hive and tpch catalogs: 10.4 s of CPU to "SERVER STARTED"
    // instead of 21.9 s, and TPC-H Q1 on sf1 as fast after its first run (7.6-8.4 s against
    // 7.4-9.2 s); C1 alone would start in 9.4 s but run Q1 in 14-19 s.
    '-XX:CompileThresholdScaling=10',
    '-Djdk.attach.allowAttachSelf=true',
    '-Djdk.nio.maxCachedBufferSize=2000000',
    '-Dfile.encoding=UTF-8',
    '-XX:+EnableDynamicAgentLoading',
    // JOL (object sizes) would otherwise try three times to attach the serviceability agent, each
    // a process of its own, and fail in a container: about 0.8 s of CPU per node start.
    '-Djol.skipHotspotSAAttach=true',
  ];
  if (aotCache !== undefined) lines.push(`-XX:AOTCache=${aotCache}`);
  return `${lines.join('\n')}\n`;
}

/** The Hive catalog over the metastore at `metastoreUri`, reading HDFS with the node's Hadoop settings. Pure. */
export function hiveCatalog(metastoreUri: string, hadoopConfDir: string): string {
  return propertiesText(
    {
      'connector.name': 'hive',
      'hive.metastore.uri': metastoreUri,
      'fs.hadoop.enabled': true,
      'hive.config.resources': `${hadoopConfDir}/core-site.xml,${hadoopConfDir}/hdfs-site.xml`,
    },
    'Hive catalog',
  );
}

/**
 * The metastore Trino's hive catalog uses: `hive_metastore_uri` when given, else the metastore
 * runtime of the cluster on the head (as Spark finds it) unless `metastore_service_discovery` is
 * false, else none. Pure.
 */
export function metastoreUri(
  options: Record<string, unknown>,
  types: readonly string[],
  headIp: string,
): string | undefined {
  if (typeof options.hive_metastore_uri === 'string' && options.hive_metastore_uri !== '')
    return options.hive_metastore_uri;
  const discover = options.metastore_service_discovery !== false;
  return discover && types.includes('metastore') ? `thrift://${headIp}:${METASTORE_PORT}` : undefined;
}

/**
 * Every catalog file: hive (when there is a metastore), tpch (generated data, for checks), and the
 * `catalogs` of the config (name → properties; one of them named hive replaces the generated one).
 * Pure.
 */
export function catalogFiles(
  hive: string | undefined,
  catalogs: Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>,
): Record<string, string> {
  const files: Record<string, string> = { 'tpch.properties': propertiesText({ 'connector.name': 'tpch' }, 'TPC-H') };
  if (hive !== undefined) files['hive.properties'] = hive;
  for (const [name, props] of Object.entries(catalogs))
    files[`${name}.properties`] = propertiesText(props, `Catalog ${name}`);
  return files;
}
