/** HDFS on a node: the NameNode on the head, a DataNode on each worker with blocks on its data disks. */
import fs from 'node:fs';
import path from 'node:path';
import { CloudtikError } from '../../core/errors.js';
import { startService, stopService } from '../../node/services.js';
import { hadoopXml } from '../template.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { runTool } from '../../providers/virtual/image-process.js';
import { diskDirs, NAMENODE_RPC_PORT, writeConf, writeCoreSite } from '../node/hadoop.js';

function nameDir(ctx: RuntimeNodeContext): string {
  return path.join(ctx.home, 'hadoop', 'data', 'namenode');
}

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  await writeCoreSite(ctx);
  const replication = Number(optionsOf(ctx, 'hdfs').dfs_replication ?? 1);
  const dataDirs = diskDirs(ctx, 'hdfs', path.join(ctx.home, 'hadoop', 'data', 'datanode'));
  await writeConf(
    ctx.layout.hadoopConfDir,
    'hdfs-site.xml',
    hadoopXml({
      'dfs.replication': replication,
      'dfs.namenode.rpc-address': `${ctx.headIp}:${NAMENODE_RPC_PORT}`,
      'dfs.namenode.rpc-bind-host': '0.0.0.0',
      'dfs.namenode.http-address': `${ctx.headIp}:9870`,
      'dfs.namenode.http-bind-host': '0.0.0.0',
      'dfs.namenode.name.dir': `file://${nameDir(ctx)}`,
      'dfs.datanode.data.dir': dataDirs.map((d) => `file://${d}`).join(','),
      'dfs.datanode.address': '0.0.0.0:9866',
      'dfs.datanode.http.address': '0.0.0.0:9864',
      'dfs.datanode.ipc.address': '0.0.0.0:9867',
      // Nodes are known by address; containers have no reverse DNS for each other.
      'dfs.namenode.datanode.registration.ip-hostname-check': false,
      'dfs.client.use.datanode.hostname': false,
      'dfs.permissions.enabled': false,
      'dfs.namenode.safemode.extension': 0,
      'dfs.namenode.heartbeat.recheck-interval': 30000,
    }),
  );
  if (ctx.head && !fs.existsSync(path.join(nameDir(ctx), 'current', 'VERSION'))) {
    const r = await runTool('hdfs', ['namenode', '-format', '-nonInteractive', '-force'], { tailLines: 15 });
    if (r.code !== 0) {
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `formatting the HDFS NameNode failed (exit ${r.code})`, {
        details: r.tail,
      });
    }
  }
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) await startService('hdfs-namenode', ['hdfs', 'namenode']);
  else await startService('hdfs-datanode', ['hdfs', 'datanode']);
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  await stopService(ctx.head ? 'hdfs-namenode' : 'hdfs-datanode');
}
