/** HDFS on a node: the NameNode on the head, a DataNode on each worker with blocks on its data disks. */
import path from 'node:path';
import { startService, stopService } from '../../node/services.js';
import { hadoopXml } from '../template.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { quote } from '../../core/command/shell.js';
import { diskDirs, NAMENODE_HTTP_PORT, NAMENODE_RPC_PORT, writeConf, writeCoreSite } from '../node/hadoop.js';

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
      'dfs.namenode.http-address': `${ctx.headIp}:${NAMENODE_HTTP_PORT}`,
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
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) {
    // A new NameNode is formatted by its service, just before it starts, rather than at setup:
    // the head's setup (and so its controller, which launches the workers) does not wait for the
    // formatting JVM, and a failure shows in the NameNode's log like any other start failure.
    const version = quote(path.join(nameDir(ctx), 'current', 'VERSION'));
    await startService('hdfs-namenode', [
      'bash',
      '-c',
      `[ -f ${version} ] || hdfs namenode -format -nonInteractive -force || exit 1; exec hdfs namenode`,
    ]);
  }
  else await startService('hdfs-datanode', ['hdfs', 'datanode']);
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  await stopService(ctx.head ? 'hdfs-namenode' : 'hdfs-datanode');
}
