/** Spark on a node: spark-defaults.conf everywhere, the history server on the head (executors run in YARN). */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startService, stopService } from '../../node/services.js';
import { renderTemplate } from '../template.js';
import { optionsOf, templateFile, type RuntimeNodeContext } from '../node/context.js';
import { quote } from '../../core/command/shell.js';
import { defaultFs, diskDirs, NAMENODE_HTTP_PORT, writeConf, writeCoreSite } from '../node/hadoop.js';

function eventLogDir(ctx: RuntimeNodeContext): string {
  return ctx.runtime.types.includes('hdfs') ? `${defaultFs(ctx)}/shared/spark-events` : 'file:///tmp/spark-events';
}

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  await writeCoreSite(ctx);
  const options = optionsOf(ctx, 'spark');
  const sizing = (options.spark_executor_resource ?? {}) as Record<string, number>;
  const template = await fsp.readFile(templateFile('spark', 'spark-defaults.conf'), 'utf8');
  let text = renderTemplate(
    template,
    {
      node_ip: ctx.nodeIp,
      head_ip: ctx.headIp,
      driver_memory: sizing.spark_driver_memory ?? 1024,
      executor_cores: sizing.spark_executor_cores ?? 1,
      executor_memory: sizing.spark_executor_memory ?? 512,
      event_log_dir: eventLogDir(ctx),
      local_dirs: diskDirs(ctx, 'spark', path.join(ctx.home, 'spark', 'local')).join(','),
      warehouse_dir: ctx.runtime.types.includes('hdfs')
        ? `${defaultFs(ctx)}/shared/spark-warehouse`
        : `file://${path.join(ctx.home, 'spark', 'warehouse')}`,
    },
    'spark-defaults.conf',
  );
  const extra = (options.config ?? {}) as Record<string, unknown>;
  const lines = Object.entries(extra).map(([k, v]) => `${k} ${String(v)}`);
  if (lines.length > 0) text += `# runtime.spark.config\n${lines.join('\n')}\n`;
  await writeConf(ctx.layout.sparkConfDir, 'spark-defaults.conf', text);
}

/** JVM options of the history server: it starts with the cluster, so start-up time counts most. */
export const HISTORY_JVM_OPTS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const dir = eventLogDir(ctx);
  // Niced: the NameNode and the ResourceManager beside it are what the workers wait for.
  let first = ['nice', '-n', '10'];
  if (dir.startsWith('hdfs://')) {
    // The history server needs its log folder, which needs the NameNode up: the service makes it
    // first, through WebHDFS (curl, no JVM per try), so the head's start does not wait for HDFS.
    const url = `http://${ctx.headIp}:${NAMENODE_HTTP_PORT}/webhdfs/v1${new URL(dir).pathname}?op=MKDIRS&user.name=${os.userInfo().username}`;
    first = [
      'bash',
      '-c',
      `until curl -sf -X PUT ${quote(url)} >/dev/null; do sleep 0.5; done; exec "$@"`,
      'spark-history',
      ...first,
    ];
  } else {
    await fsp.mkdir(dir.replace('file://', ''), { recursive: true });
  }
  await startService('spark-history', [...first, 'spark-history-server'], {
    env: {
      ...process.env,
      SPARK_LOCAL_IP: ctx.nodeIp,
      SPARK_DAEMON_JAVA_OPTS: `${process.env.SPARK_DAEMON_JAVA_OPTS ?? ''} ${HISTORY_JVM_OPTS}`.trim(),
    },
  });
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) await stopService('spark-history');
}
