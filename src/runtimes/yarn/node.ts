/** YARN on a node: the ResourceManager on the head, a NodeManager with Spark's shuffle service on each worker. */
import path from 'node:path';
import { env } from '../../config/env.js';
import { systemClock } from '../../core/clock.js';
import { withDeadline } from '../../core/deadline.js';
import { portAnswers, splitHostPort } from '../../core/net.js';
import { startService, stopService } from '../../node/services.js';
import { hadoopXml } from '../template.js';
import { optionsOf, SHUFFLE_DIR, type RuntimeNodeContext } from '../node/context.js';
import {
  diskDirs,
  NODEMANAGER_HTTP_PORT,
  RESOURCEMANAGER_HTTP_PORT,
  writeConf,
  writeCoreSite,
} from '../node/hadoop.js';
import { nodeSizes } from '../spark/sizing.js';

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  await writeCoreSite(ctx);
  // Spark's sizes when Spark runs, else Flink's (both size YARN alike from the worker type).
  const resource = optionsOf(ctx, 'spark').spark_executor_resource ?? optionsOf(ctx, 'flink').flink_resource;
  const sizes = nodeSizes(resource as Record<string, number> | undefined);
  const memory = sizes.yarnMemoryMb;
  const vcores = sizes.yarnVcores;
  const spark = ctx.runtime.types.includes('spark');
  await writeConf(
    ctx.layout.hadoopConfDir,
    'yarn-site.xml',
    hadoopXml({
      'yarn.resourcemanager.hostname': ctx.headIp,
      'yarn.resourcemanager.bind-host': '0.0.0.0',
      'yarn.nodemanager.bind-host': '0.0.0.0',
      'yarn.nodemanager.hostname': ctx.nodeIp,
      'yarn.nodemanager.resource.memory-mb': memory,
      'yarn.nodemanager.resource.cpu-vcores': vcores,
      'yarn.scheduler.maximum-allocation-mb': memory,
      'yarn.scheduler.maximum-allocation-vcores': vcores,
      'yarn.scheduler.minimum-allocation-mb': 256,
      'yarn.nodemanager.local-dirs': diskDirs(ctx, 'yarn/local', path.join(ctx.home, 'hadoop', 'yarn', 'local')).join(
        ',',
      ),
      'yarn.nodemanager.log-dirs': path.join(ctx.home, 'hadoop', 'yarn', 'logs'),
      // Virtual nodes share the host's disk: Hadoop's 90% would mark every NodeManager unhealthy on a fuller one.
      'yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage': 99,
      'yarn.nodemanager.vmem-check-enabled': false,
      'yarn.nodemanager.pmem-check-enabled': false,
      'yarn.resourcemanager.nodemanager-connect-retries': 3,
      // The image's Hadoop jars (one folder, not Hadoop's share/hadoop/<module> layout) for the
      // containers of applications that bring no Hadoop of their own (Flink's JobManagers and TaskManagers).
      'yarn.application.classpath': [
        ctx.layout.hadoopConfDir,
        path.join(env.hadoopHome(), 'share', 'hadoop', 'lib', '*'),
        path.join(env.hadoopHome(), 'share', 'hadoop', 'yarn', 'lib', '*'),
      ].join(','),
      'yarn.nodemanager.aux-services': spark ? 'spark_shuffle' : '',
      ...(spark
        ? {
            'yarn.nodemanager.aux-services.spark_shuffle.class': 'org.apache.spark.network.yarn.YarnShuffleService',
            // Its own class loader: the shuffle service's libraries stay apart from the NodeManager's.
            'yarn.nodemanager.aux-services.spark_shuffle.classpath': `${SHUFFLE_DIR}/*`,
          }
        : {}),
      // Container logs go to the default file system (HDFS: /tmp/logs) once an application ends,
      // so they outlive a removed worker and `yarn logs` finds them. It is also what lets a
      // NodeManager forget a finished application: without it the application stays in its
      // context until its local logs are deleted (3 hours later), and on SIGTERM the
      // NodeManager then waits about 7 s for it to finish and 10 s more for that deletion.
      'yarn.log-aggregation-enable': true,
      // Scheduling happens on NodeManager heartbeats: containers of a job on a small cluster
      // are placed within a quarter of a second instead of a second.
      'yarn.resourcemanager.nodemanagers.heartbeat-interval-ms': 250,
    }),
  );
  await writeCapacityScheduler(ctx);
}

/** One queue with the whole cluster (the capacity scheduler has no default for it). */
async function writeCapacityScheduler(ctx: RuntimeNodeContext): Promise<void> {
  await writeConf(
    ctx.layout.hadoopConfDir,
    'capacity-scheduler.xml',
    hadoopXml({
      'yarn.scheduler.capacity.root.queues': 'default',
      'yarn.scheduler.capacity.root.default.capacity': 100,
      'yarn.scheduler.capacity.root.default.maximum-capacity': 100,
      'yarn.scheduler.capacity.root.default.state': 'RUNNING',
      // Small clusters: application masters may take half of it.
      'yarn.scheduler.capacity.maximum-am-resource-percent': 0.5,
      'yarn.scheduler.capacity.resource-calculator': 'org.apache.hadoop.yarn.util.resource.DominantResourceCalculator',
    }),
  );
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) await startService('yarn-resourcemanager', ['yarn', 'resourcemanager']);
  else await startService('yarn-nodemanager', ['yarn', 'nodemanager']);
}

/**
 * How long a stopping ResourceManager waits at most for the NodeManagers of a stopping cluster to
 * leave: on a busy machine a worker's stop reaches its NodeManager seconds after the head's began.
 * Below STOP_GRACE_MS: a NodeManager that still retries to leave then is killed anyway.
 */
const NODEMANAGERS_LEAVE_MS = 20_000;

/** How long one question to the ResourceManager may take before it is asked again. */
const ASK_MS = 1000;

/**
 * NodeManagers that the ResourceManager still counts as present and that still run: 0 when it
 * refuses the connection (stopped), undefined when it gave no answer in time or not a list. A
 * NodeManager's web server stops after it has left (its status updater stops first), so one whose
 * web server takes no connection is gone without leaving (its node was lost): nothing to wait for.
 */
async function presentNodeManagers(ctx: RuntimeNodeContext, signal: AbortSignal): Promise<number | undefined> {
  const states = 'NEW,RUNNING,UNHEALTHY,DECOMMISSIONING';
  const url = `http://${ctx.headIp}:${RESOURCEMANAGER_HTTP_PORT}/ws/v1/cluster/nodes?states=${states}`;
  const ask = AbortSignal.any([signal, AbortSignal.timeout(ASK_MS)]);
  let nodes: { nodeHTTPAddress?: string }[];
  try {
    const r = await fetch(url, { signal: ask, headers: { accept: 'application/json' } });
    if (!r.ok) return undefined;
    const body = (await r.json()) as { nodes?: { node?: { nodeHTTPAddress?: string }[] } | null };
    nodes = body.nodes?.node ?? [];
  } catch (err) {
    if (signal.aborted) throw err;
    return connectionRefused(err) ? 0 : undefined;
  }
  const running = await Promise.all(
    nodes.map(({ nodeHTTPAddress = '' }) => {
      const { host, port } = splitHostPort(nodeHTTPAddress, NODEMANAGER_HTTP_PORT);
      return host === '' ? Promise.resolve(true) : portAnswers(host, port, ASK_MS);
    }),
  );
  return running.filter(Boolean).length;
}

/** Whether a fetch failed because nothing listens at its address. */
function connectionRefused(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code === 'ECONNREFUSED';
}

/**
 * While the whole cluster stops, the workers stop at the same time as the head. A NodeManager's
 * stop tells the ResourceManager that it leaves; one that finds the ResourceManager gone retries
 * until its stop grace (STOP_GRACE_MS) ends. So the ResourceManager stops once no NodeManager is left, or
 * after NODEMANAGERS_LEAVE_MS.
 */
async function awaitNodeManagersLeft(ctx: RuntimeNodeContext): Promise<void> {
  let present: number | undefined;
  await withDeadline(
    async (signal) => {
      while ((present = await presentNodeManagers(ctx, signal)) !== 0) await systemClock.sleep(100, signal);
    },
    { ms: NODEMANAGERS_LEAVE_MS, expired: () => new Error('NodeManagers still registered') },
  ).catch(() => {
    const seen =
      present === undefined ? 'the ResourceManager did not answer' : `${present} NodeManager(s) still registered`;
    process.stderr.write(
      `yarn: ${seen} after ${NODEMANAGERS_LEAVE_MS / 1000} s; stopping the ResourceManager anyway\n`,
    );
  });
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  // NodeManagers that are killed with their nodes do not retry leaving: nothing to wait for then.
  if (ctx.head && env.clusterStopping() && !env.nodeDiscarded()) await awaitNodeManagersLeft(ctx);
  await stopService(ctx.head ? 'yarn-resourcemanager' : 'yarn-nodemanager');
}
