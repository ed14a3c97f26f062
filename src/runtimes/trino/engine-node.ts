/**
 * What the query engines of the Trino family (trino, presto) do alike on a node: the coordinator on
 * the head, a worker on every worker. Configure writes the etc folder from the engine's settings;
 * the service runs the engine's launcher in the foreground on the Java runtime the image keeps for
 * that engine alone (`<home>/jdk`). A worker starts at once, beside the coordinator: its JVM start
 * is the long part, and a started worker keeps announcing itself (backing off to one second) until
 * the coordinator's discovery answers, so waiting first would only put the two JVM starts one after
 * the other.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../../config/env.js';
import { ownCliArgv } from '../../core/process.js';
import { startService, stopService } from '../../node/services.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { diskDirs, writeConf } from '../node/hadoop.js';
import {
  catalogFiles,
  COORDINATOR_PORT,
  metastoreUri,
  relayService,
  type TrinoMemory,
  type TrinoNode,
} from './settings.js';

/** One engine's files and settings (pure functions of its settings.ts). */
export interface QueryEngine<M extends TrinoMemory> {
  /** The runtime's name: its options, its folder under the runtime home, its services' prefix. */
  name: 'trino' | 'presto';
  /** Where the image keeps it (docker/sql): server/, jdk/, cli/. */
  home: string;
  memory(nodeMemoryMb: number, heapMb?: number): M;
  configProperties(n: TrinoNode & { memory: M }): string;
  nodeProperties(nodeId: string, dataDir: string): string;
  jvmConfig(memory: M): string;
  logProperties: string;
  hiveCatalog(metastoreUri: string, hadoopConfDir: string): string;
  /** The file the CLI on the head reads its coordinator's address from: [name, text]. */
  cliFile(coordinatorUrl: string): [string, string];
  /** The service's shell script, from its etc and data folders. */
  service(etc: string, data: string): string;
}

const serviceOf = (e: QueryEngine<TrinoMemory>, ctx: RuntimeNodeContext): string =>
  `${e.name}-${ctx.head ? 'coordinator' : 'worker'}`;
const etcDir = (e: QueryEngine<TrinoMemory>, ctx: RuntimeNodeContext): string => path.join(ctx.home, e.name, 'etc');
const dataDir = (e: QueryEngine<TrinoMemory>, ctx: RuntimeNodeContext): string =>
  diskDirs(ctx, path.join(e.name, 'data'), path.join(ctx.home, e.name, 'data'))[0] as string;

export async function configureEngine<M extends TrinoMemory>(
  e: QueryEngine<M>,
  ctx: RuntimeNodeContext,
): Promise<void> {
  const options = optionsOf(ctx, e.name);
  const heap = Number(options[ctx.head ? 'coordinator_heap_size' : 'worker_heap_size']) || undefined;
  const memory = e.memory(0, heap);
  const etc = etcDir(e, ctx);
  const queryMaxMemory = typeof options.query_max_memory === 'string' ? options.query_max_memory : '50GB';
  const node = { coordinator: ctx.head, headIp: ctx.headIp, memory, queryMaxMemory, hasWorkers: ctx.minWorkers > 0 };
  await writeConf(etc, 'config.properties', e.configProperties(node));
  await writeConf(etc, 'node.properties', e.nodeProperties(ctx.nodeId || ctx.nodeIp, dataDir(e, ctx)));
  await writeConf(etc, 'jvm.config', e.jvmConfig(memory));
  await writeConf(etc, 'log.properties', e.logProperties);
  const uri = metastoreUri(options, ctx.runtime.types, ctx.headIp);
  const hive = uri === undefined ? undefined : e.hiveCatalog(uri, ctx.layout.hadoopConfDir);
  const catalogs = (options.catalogs ?? {}) as Record<string, Record<string, string | number | boolean>>;
  const catalogDir = path.join(etc, 'catalog');
  await fsp.rm(catalogDir, { recursive: true, force: true });
  for (const [file, text] of Object.entries(catalogFiles(hive, catalogs))) await writeConf(catalogDir, file, text);
  await fsp.mkdir(dataDir(e, ctx), { recursive: true });
  // The CLI on the head talks to this coordinator by default (see docker/sql/<name>-cli).
  if (ctx.head) {
    const [file, text] = e.cliFile(`http://${ctx.headIp}:${COORDINATOR_PORT}`);
    await writeConf(path.join(ctx.home, e.name), file, text);
  }
}

export async function startEngine(e: QueryEngine<TrinoMemory>, ctx: RuntimeNodeContext): Promise<void> {
  const jdk = path.join(e.home, 'jdk');
  if (ctx.head) await startService(relayService(e.name), ownCliArgv('runtime', 'run', 'discovery-relay'));
  await startService(serviceOf(e, ctx), ['bash', '-c', e.service(etcDir(e, ctx), dataDir(e, ctx))], {
    env: { ...env.processEnv(), JAVA_HOME: jdk, PATH: `${jdk}/bin:${env.processEnv().PATH ?? ''}` },
  });
}

export async function stopEngine(e: QueryEngine<TrinoMemory>, ctx: RuntimeNodeContext): Promise<void> {
  await stopService(serviceOf(e, ctx));
  if (ctx.head) await stopService(relayService(e.name));
}
