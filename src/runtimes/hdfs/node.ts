/** HDFS on a node: the NameNode on the head, a DataNode on each worker with blocks on its data disks. */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
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

/** An empty formatted NameNode folder in the image (see docker/hadoop), made by the image's user. */
const NAMENODE_TEMPLATE = '/opt/hadoop/share/hadoop/namenode-template';

/**
 * A NameNode folder's `current/VERSION` with new identifiers: the namespace, cluster and block
 * pool ids a format would choose, so every cluster's HDFS is its own. Other keys are kept. Pure.
 */
export function freshVersionFile(template: string, ip: string, now: number, random: () => number): string {
  const id = (): number => 1 + Math.floor(random() * 0x7ffffffe);
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const values: Record<string, string> = {
    namespaceID: String(id()),
    clusterID: `CID-${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`,
    blockpoolID: `BP-${id()}-${ip}-${now}`,
    cTime: String(now),
  };
  const lines = template
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      if (line.startsWith('#')) return `#${new Date(now).toUTCString()}`;
      const key = line.slice(0, line.indexOf('='));
      return key in values ? `${key}=${values[key]}` : line;
    });
  return `${lines.join('\n')}\n`;
}

/**
 * Give a new NameNode its name folder from the image's template (about a second of CPU time less
 * than a format, while the workers start). False when that cannot be done here (no template, or
 * made for another user): the service then formats as usual.
 */
async function nameDirFromTemplate(ctx: RuntimeNodeContext): Promise<boolean> {
  const dir = nameDir(ctx);
  if (fs.existsSync(path.join(dir, 'current', 'VERSION'))) return true;
  const version = path.join(NAMENODE_TEMPLATE, 'current', 'VERSION');
  const stat = await fsp.stat(version).catch(() => undefined);
  if (!stat || stat.uid !== process.getuid?.()) return false;
  const tmp = `${dir}.${process.pid}.tmp`;
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(path.dirname(dir), { recursive: true });
  await fsp.cp(NAMENODE_TEMPLATE, tmp, { recursive: true });
  const text = freshVersionFile(await fsp.readFile(version, 'utf8'), ctx.nodeIp, Date.now(), Math.random);
  await fsp.writeFile(path.join(tmp, 'current', 'VERSION'), text);
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.rename(tmp, dir);
  return true;
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) {
    await nameDirFromTemplate(ctx);
    // Otherwise the NameNode is formatted by its service, just before it starts: the head's start
    // does not wait for the formatting JVM, and a failure shows in the NameNode's log.
    const version = quote(path.join(nameDir(ctx), 'current', 'VERSION'));
    await startService('hdfs-namenode', [
      'bash',
      '-c',
      `[ -f ${version} ] || hdfs namenode -format -nonInteractive -force || exit 1; exec hdfs namenode`,
    ]);
  } else await startService('hdfs-datanode', ['hdfs', 'datanode']);
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  await stopService(ctx.head ? 'hdfs-namenode' : 'hdfs-datanode');
}
