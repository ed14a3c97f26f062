/**
 * The node side of `cloudtik runtime configure|services <name>`: dispatch to the runtime's module.
 * Runtime modules are loaded only here, on the nodes.
 */
import fs from 'node:fs';
import { CloudtikError } from '../../core/errors.js';
import { RUNTIMES } from '../registry.js';
import { runtimeNodeContext, SHUFFLE_DIR, type RuntimeNodeContext } from './context.js';

interface NodeModule {
  configure(ctx: RuntimeNodeContext): Promise<void>;
  start(ctx: RuntimeNodeContext): Promise<void>;
  stop(ctx: RuntimeNodeContext): Promise<void>;
}

async function moduleOf(name: string): Promise<NodeModule> {
  switch (name) {
    case 'hdfs':
      return import('../hdfs/node.js');
    case 'yarn':
      return import('../yarn/node.js');
    case 'spark':
      return import('../spark/node.js');
    case 'prometheus':
      return import('../prometheus/node.js');
    case 'zookeeper':
      return import('../zookeeper/node.js');
    case 'kafka':
      return import('../kafka/node.js');
    case 'flink':
      return import('../flink/node.js');
    case 'mysql':
      return import('../mysql/node.js');
    case 'postgres':
      return import('../postgres/node.js');
    case 'metastore':
      return import('../metastore/node.js');
    case 'trino':
      return import('../trino/node.js');
    case 'presto':
      return import('../presto/node.js');
    default:
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown runtime '${name}'`, {
        hint: `runtimes: ${Object.keys(RUNTIMES).join(', ')}`,
      });
  }
}

export type ServiceAction = 'start' | 'stop' | 'restart';

/** What each runtime needs from the node image (installed at image build time, see docker/). */
const PRODUCT_FILES: Record<string, string[]> = {
  hdfs: ['/usr/local/bin/hdfs', '/opt/hadoop/share/hadoop/lib'],
  yarn: ['/usr/local/bin/yarn', '/opt/hadoop/share/hadoop/lib'],
  spark: ['/usr/local/bin/spark-submit', '/opt/spark/jars', SHUFFLE_DIR],
  prometheus: ['/usr/bin/prometheus', '/usr/bin/prometheus-node-exporter'],
  zookeeper: ['/usr/local/bin/zookeeper-server-start', '/opt/kafka/libs'],
  kafka: ['/usr/local/bin/kafka-server-start', '/opt/kafka/libs'],
  flink: ['/usr/local/bin/flink', '/usr/local/bin/flink-history-server', '/opt/flink/lib'],
  mysql: ['/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db'],
  postgres: ['/usr/local/bin/postgres', '/usr/local/bin/initdb', '/usr/bin/psql'],
  metastore: ['/usr/local/bin/hive-metastore', '/opt/metastore/lib', '/opt/metastore/scripts/metastore/upgrade'],
  trino: ['/opt/trino/server/bin/launcher', '/opt/trino/jdk/bin/java', '/usr/local/bin/trino'],
  presto: ['/opt/presto/server/bin/launcher.py', '/opt/presto/jdk/bin/java', '/usr/local/bin/presto'],
};

/**
 * `cloudtik runtime install`: the products come with the node image, so this checks they are
 * there and says which image has them when they are not.
 */
export async function installRuntime(name: string): Promise<string[]> {
  await moduleOf(name);
  const files = PRODUCT_FILES[name] ?? [];
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length > 0) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_NODE_COMMAND',
      `${name} is not installed in this node's image (missing ${missing.join(', ')})`,
      {
        hint: `run the image that carries it (${RUNTIMES[name]?.image ?? 'cloudtik/spark-runtime'}: leave docker.image unset), or leave ${name} out of runtime.types`,
      },
    );
  }
  return files;
}

export async function configureRuntime(name: string, head: boolean): Promise<void> {
  await installRuntime(name);
  await (await moduleOf(name)).configure(runtimeNodeContext(head));
}

export async function runtimeServices(name: string, action: ServiceAction, head: boolean): Promise<void> {
  const mod = await moduleOf(name);
  const ctx = runtimeNodeContext(head);
  if (action === 'stop' || action === 'restart') await mod.stop(ctx);
  if (action === 'start' || action === 'restart') await mod.start(ctx);
}
