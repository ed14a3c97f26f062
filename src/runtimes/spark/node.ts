/** Spark on a node: spark-defaults.conf everywhere, the history server on the head (executors run in YARN). */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '../../config/env.js';
import { startService, stopService } from '../../node/services.js';
import { renderTemplate } from '../template.js';
import { JOB_LOG4J_FILE } from './index.js';
import { nodeSizes } from './sizing.js';
import { METASTORE_PORT } from '../metastore/index.js';
import { warehouseDir } from '../metastore/node.js';
import { optionsOf, templateFile, type RuntimeNodeContext } from '../node/context.js';
import { quote } from '../../core/command/shell.js';
import {
  defaultFs,
  diskDirs,
  NAMENODE_HTTP_PORT,
  QUICK_START_JVM_OPTS,
  RESOURCEMANAGER_HTTP_PORT,
  writeConf,
  writeCoreSite,
} from '../node/hadoop.js';

/** The image's class data sharing archive of a Spark job's driver and executor (docker/spark/cds-train.sh). */
export const JOB_ARCHIVE = '/opt/cds/spark/job.jsa';

/**
 * Where the image has the archive: drivers and executors start from it (a third less CPU time to
 * start, measured in a node container). The archive holds the classes of Spark's own jars with
 * those jars alone as the classpath, so they come first on drivers' and executors' classpaths
 * too (they are there anyway, after the configuration folders, which no jar shadows); a classpath
 * that does not match is only a warning and the JVM loads the classes as usual.
 */
export function jobCds(sparkHome: string, archive: string | undefined): { opts: string; classPath: string } {
  if (!archive) return { opts: '', classPath: '' };
  const jars = `${sparkHome}/jars/*`;
  return {
    opts: ` -Xshare:auto -XX:SharedArchiveFile=${archive} -Xlog:disable -Xlog:all=warning:stderr`,
    classPath: [
      "# Spark's jars first: the classpath of the class data sharing archive the JVM options name.",
      `spark.driver.extraClassPath               ${jars}`,
      `spark.executor.extraClassPath             ${jars}`,
      '',
    ].join('\n'),
  };
}

function eventLogDir(ctx: RuntimeNodeContext): string {
  return ctx.runtime.types.includes('hdfs') ? `${defaultFs(ctx)}/shared/spark-events` : 'file:///tmp/spark-events';
}

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  await writeCoreSite(ctx);
  const options = optionsOf(ctx, 'spark');
  const sizes = nodeSizes(options.spark_executor_resource as Record<string, number> | undefined);
  const template = await fsp.readFile(templateFile('spark', 'spark-defaults.conf'), 'utf8');
  const cds = jobCds(ctx.layout.sparkHome, fs.existsSync(JOB_ARCHIVE) ? JOB_ARCHIVE : undefined);
  let text = renderTemplate(
    template,
    {
      node_ip: ctx.nodeIp,
      head_ip: ctx.headIp,
      driver_memory: sizes.driverMemoryMb,
      executor_cores: sizes.executorCores,
      executor_memory: sizes.executorMemoryMb,
      event_log_dir: eventLogDir(ctx),
      quick_start_jvm_opts: QUICK_START_JVM_OPTS,
      job_cds_opts: cds.opts,
      job_class_path: cds.classPath,
      spark_home: ctx.layout.sparkHome,
      local_dirs: diskDirs(ctx, 'spark', path.join(ctx.home, 'spark', 'local')).join(','),
      warehouse_dir: sparkWarehouseDir(ctx),
    },
    'spark-defaults.conf',
  );
  const catalog = metastoreSettings(ctx);
  if (catalog.length > 0) text += `# The cluster's Hive metastore is Spark's catalog.\n${catalog.join('\n')}\n`;
  const extra = (options.config ?? {}) as Record<string, unknown>;
  const lines = Object.entries(extra).map(([k, v]) => `${k} ${String(v)}`);
  if (lines.length > 0) text += `# runtime.spark.config\n${lines.join('\n')}\n`;
  await writeConf(ctx.layout.sparkConfDir, 'spark-defaults.conf', text);
  const jobLogging = await fsp.readFile(templateFile('spark', JOB_LOG4J_FILE), 'utf8');
  await writeConf(ctx.layout.sparkConfDir, JOB_LOG4J_FILE, jobLogging);
}

/** Spark's warehouse: the metastore's when the cluster has one, so both put tables in the same place. */
function sparkWarehouseDir(ctx: RuntimeNodeContext): string {
  if (ctx.runtime.types.includes('metastore')) return warehouseDir(ctx);
  return ctx.runtime.types.includes('hdfs')
    ? `${defaultFs(ctx)}/shared/spark-warehouse`
    : `file://${path.join(ctx.home, 'spark', 'warehouse')}`;
}

/**
 * spark-defaults.conf lines that make the cluster's metastore Spark's catalog (none without one).
 * Spark's built-in Hive client (2.3.9) talks to the 3.1 metastore as it is: no
 * spark.sql.hive.metastore.version or jars needed.
 */
export function metastoreSettings(ctx: Pick<RuntimeNodeContext, 'runtime' | 'headIp'>): string[] {
  if (!ctx.runtime.types.includes('metastore')) return [];
  return [
    'spark.sql.catalogImplementation           hive',
    `spark.hadoop.hive.metastore.uris          thrift://${ctx.headIp}:${METASTORE_PORT}`,
  ];
}

/** How long the history server waits for the cluster to be able to run an application. */
export const HISTORY_WAIT_S = 60;

/**
 * The shell lines the history server's service runs before it starts. It first waits until the
 * cluster's workers have joined: as many live DataNodes and running NodeManagers as the cluster's
 * `min_workers` (at least one), asked of the NameNode's JMX servlet and the ResourceManager's
 * REST metrics, which cost them little to answer, or until HISTORY_WAIT_S have passed. Only then
 * does it make sure its folders (`dir`: the event log's, or several) exist in HDFS (through WebHDFS: curl, no JVM per try;
 * the NameNode's first WebHDFS call costs it about a second of CPU) and start its own JVM. It has
 * nothing to show before, and the CPU meanwhile goes to the daemons the workers wait for. A
 * NameNode started from the image's template has the folder from its first moment, so
 * applications can log before the server is up. The wait never fails the service.
 */
export function historyServerPrelude(ctx: RuntimeNodeContext, dir: string | readonly string[]): string[] {
  const http = (port: number, p: string): string => quote(`http://${ctx.headIp}:${port}${p}`);
  const want = Math.max(1, ctx.minWorkers);
  const ready: string[] = [];
  const mkdir: string[] = [];
  const dirs = (typeof dir === 'string' ? [dir] : dir).filter((d) => d.startsWith('hdfs://'));
  if (dirs.length > 0) {
    const jmx = http(NAMENODE_HTTP_PORT, '/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState');
    ready.push(`at_least ${jmx} NumLiveDataNodes ${want}`);
  }
  for (const d of dirs) {
    const url = http(
      NAMENODE_HTTP_PORT,
      `/webhdfs/v1${new URL(d).pathname}?op=MKDIRS&user.name=${os.userInfo().username}`,
    );
    mkdir.push(`until curl -sf -X PUT ${url} >/dev/null; do sleep 0.5; done`);
  }
  if (ctx.runtime.types.includes('yarn')) {
    // The REST metrics, not the ClusterMetrics JMX bean: Hadoop refreshes a metrics source's JMX
    // values at most every 10 s, so the bean reports NodeManagers up to 10 s after they registered.
    const metrics = http(RESOURCEMANAGER_HTTP_PORT, '/ws/v1/cluster/metrics');
    // First: the ResourceManager answers this in a fraction of the NameNode's time, and
    // NodeManagers, slower to start than DataNodes, usually register last.
    ready.unshift(`at_least ${metrics} activeNodes ${want}`);
  }
  if (ready.length === 0) return mkdir;
  return [
    // at_least URL KEY N: the JSON document at URL has KEY with a value of N or more.
    `at_least() { local n; n=$(curl -sf "$1" | grep -o "\\"$2\\" *: *[0-9]*" | grep -o '[0-9]*$' | head -n 1); [ "\${n:-0}" -ge "$3" ]; }`,
    `for _ in $(seq ${HISTORY_WAIT_S}); do { ${ready.join(' && ')}; } && break; sleep 1; done`,
    ...mkdir,
  ];
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const dir = eventLogDir(ctx);
  if (!dir.startsWith('hdfs://')) await fsp.mkdir(dir.replace('file://', ''), { recursive: true });
  const prelude = historyServerPrelude(ctx, dir);
  // Niced as well: the NameNode and the ResourceManager beside it come first.
  await startService('spark-history', ['bash', '-c', [...prelude, 'exec nice -n 10 spark-history-server'].join('\n')], {
    env: {
      ...env.processEnv(),
      SPARK_LOCAL_IP: ctx.nodeIp,
      SPARK_DAEMON_JAVA_OPTS: `${env.sparkDaemonJavaOpts()} ${QUICK_START_JVM_OPTS}`.trim(),
    },
  });
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) await stopService('spark-history');
}
