/**
 * Shared by the Hadoop family (hdfs, yarn, spark): the client side config every node gets, the
 * folders on data disks, and waiting for the NameNode.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../../config/env.js';
import { hadoopXml } from '../template.js';
import type { RuntimeNodeContext } from './context.js';

export const NAMENODE_RPC_PORT = 9000;
export const NAMENODE_HTTP_PORT = 9870;
export const RESOURCEMANAGER_HTTP_PORT = 8088;
export const NODEMANAGER_HTTP_PORT = 8042;

/** `hdfs://<head>:9000` when HDFS runs in the cluster, else the local file system. */
export function defaultFs(ctx: RuntimeNodeContext): string {
  return ctx.runtime.types.includes('hdfs') ? `hdfs://${ctx.headIp}:${NAMENODE_RPC_PORT}` : 'file:///';
}

/** One folder per data disk (`<disk>/<sub>`), or `fallback` on a node without data disks. */
export function diskDirs(ctx: RuntimeNodeContext, sub: string, fallback: string): string[] {
  return ctx.dataDisks.length > 0 ? ctx.dataDisks.map((d) => path.join(d, sub)) : [fallback];
}

export async function writeConf(dir: string, file: string, text: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${file}.${process.pid}.tmp`);
  await fsp.writeFile(tmp, text);
  await fsp.rename(tmp, path.join(dir, file));
}

/** core-site.xml: where the default file system is. Every Hadoop-family runtime writes the same one. */
export async function writeCoreSite(ctx: RuntimeNodeContext): Promise<void> {
  await writeHadoopEnv(ctx);
  await writeConf(
    ctx.layout.hadoopConfDir,
    'core-site.xml',
    hadoopXml({
      'fs.defaultFS': defaultFs(ctx),
      'hadoop.tmp.dir': path.join(ctx.home, 'hadoop', 'tmp'),
      'hadoop.http.staticuser.user': env.userName() ?? 'ubuntu',
    }),
  );
}

/**
 * JVM options of what starts with a cluster (Hadoop's daemons, Spark's history server, a job's
 * driver and application master):
 * virtual nodes share a few cores and a cluster starts a JVM per daemon at once, so start-up
 * time counts most; the client compiler only and the serial collector start faster and use
 * fewer threads. (docker/spark/cds-train.sh trains the class data sharing archives with them.)
 */
export const QUICK_START_JVM_OPTS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/**
 * hadoop-env.sh: JVM options for every Hadoop daemon and client on the node (see
 * QUICK_START_JVM_OPTS).
 */
export async function writeHadoopEnv(ctx: RuntimeNodeContext): Promise<void> {
  await writeConf(
    ctx.layout.hadoopConfDir,
    'hadoop-env.sh',
    [
      '# Written by cloudtik runtime configure.',
      `export HADOOP_OPTS="\${HADOOP_OPTS:-} ${QUICK_START_JVM_OPTS} -Xshare:auto"`,
      '',
    ].join('\n'),
  );
}
