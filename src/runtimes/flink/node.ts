/**
 * Flink on a node: config.yaml on the head (jobs are submitted from there; YARN ships the
 * configuration to each JobManager and TaskManager), and the history server on the head, started
 * once the workers have joined and the HDFS folders for checkpoints, savepoints and the job
 * archive exist. Flink's JobManagers and TaskManagers are YARN's containers: nothing runs on the
 * workers outside YARN.
 */
import path from 'node:path';
import { env } from '../../config/env.js';
import { startService, stopService } from '../../node/services.js';
import { hadoopXml } from '../template.js';
import { METASTORE_PORT } from '../metastore/index.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { defaultFs, QUICK_START_JVM_OPTS, writeConf, writeCoreSite } from '../node/hadoop.js';
import { historyServerPrelude } from '../spark/node.js';
import { DEFAULT_WORKER } from '../spark/sizing.js';
import { flinkSizing } from './sizing.js';
import { flinkConfig, flinkConfigText, flinkDirs, resourceOf } from './settings.js';

export const SERVICE = 'flink-history';

/** The metastore Flink's Hive catalog uses: `hive_metastore_uri`, else the cluster's metastore runtime. */
export function metastoreUri(ctx: Pick<RuntimeNodeContext, 'runtime' | 'headIp'>): string | undefined {
  const options = optionsOf(ctx as RuntimeNodeContext, 'flink');
  if (typeof options.hive_metastore_uri === 'string' && options.hive_metastore_uri !== '')
    return options.hive_metastore_uri;
  if (options.metastore_service_discovery !== false && ctx.runtime.types.includes('metastore'))
    return `thrift://${ctx.headIp}:${METASTORE_PORT}`;
  return undefined;
}

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  await writeCoreSite(ctx);
  const options = optionsOf(ctx, 'flink');
  const fallback = flinkSizing(DEFAULT_WORKER);
  if ('error' in fallback) throw new Error(`the default Flink worker does not size: ${fallback.error}`);
  const conf = flinkConfig({
    resource: resourceOf(options.flink_resource as Record<string, unknown> | undefined, fallback),
    fs: defaultFs(ctx),
    headIp: ctx.headIp,
    user: (options.config ?? {}) as Record<string, unknown>,
  });
  const dir = env.flinkConfDir();
  await writeConf(dir, 'config.yaml', flinkConfigText(conf));
  // A Hive catalog's hive-conf-dir: where the metastore is.
  const uri = metastoreUri(ctx);
  if (uri) await writeConf(dir, 'hive-site.xml', hadoopXml({ 'hive.metastore.uris': uri }));
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const dirs = flinkDirs(defaultFs(ctx));
  const prelude = historyServerPrelude(ctx, [dirs.history, dirs.checkpoints, dirs.savepoints]);
  // Niced, as Spark's: the NameNode and the ResourceManager beside it come first.
  await startService(SERVICE, ['bash', '-c', [...prelude, 'exec nice -n 10 flink-history-server'].join('\n')], {
    env: {
      ...env.processEnv(),
      FLINK_LOG_DIR: path.join(ctx.home, 'flink', 'logs'),
      JVM_ARGS: `-Xmx256m ${QUICK_START_JVM_OPTS}`,
    },
  });
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) await stopService(SERVICE);
}
