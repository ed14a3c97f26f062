/** Spark on a node: spark-defaults.conf everywhere, the history server on the head (executors run in YARN). */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startService, stopService } from '../../node/services.js';
import { renderTemplate } from '../template.js';
import { optionsOf, templateFile, type RuntimeNodeContext } from '../node/context.js';
import { quote } from '../../core/command/shell.js';
import { defaultFs, diskDirs, writeConf, writeCoreSite } from '../node/hadoop.js';

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

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const dir = eventLogDir(ctx);
  let first: string[];
  if (dir.startsWith('hdfs://')) {
    // The history server needs its log folder, which needs the NameNode out of safe mode: the
    // service makes it first (retrying), so the head's start does not wait for HDFS.
    first = [
      'bash',
      '-c',
      `until hdfs dfs -mkdir -p ${quote(dir)} 2>/dev/null; do sleep 1; done; exec "$@"`,
      'spark-history',
    ];
  } else {
    await fsp.mkdir(dir.replace('file://', ''), { recursive: true });
    first = [];
  }
  await startService('spark-history', [...first, 'spark-class', 'org.apache.spark.deploy.history.HistoryServer'], {
    env: { ...process.env, SPARK_LOCAL_IP: ctx.nodeIp },
  });
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) await stopService('spark-history');
}
