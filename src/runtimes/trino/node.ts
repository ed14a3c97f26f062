/**
 * Trino on a node: the coordinator on the head, a worker on every worker. Configure writes the etc
 * folder (settings.ts); the service runs Trino's launcher in the foreground on the Java runtime the
 * image keeps for Trino alone (/opt/trino/jdk). A worker starts at once, beside the coordinator: its
 * JVM start is the long part, and a started worker keeps announcing itself (backing off to one
 * second) until the coordinator's discovery answers, so waiting first would only put the two JVM
 * starts one after the other.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../../config/env.js';
import { quote } from '../../core/command/shell.js';
import { startService, stopService } from '../../node/services.js';
import { optionsOf, type RuntimeNodeContext } from '../node/context.js';
import { diskDirs, writeConf } from '../node/hadoop.js';
import { propertiesText } from '../node/jvm-daemon.js';
import {
  catalogFiles,
  configProperties,
  COORDINATOR_PORT,
  hiveCatalog,
  jvmConfig,
  metastoreUri,
  nodeProperties,
  trinoMemory,
} from './settings.js';

/** Where the image keeps Trino (docker/sql). */
export const TRINO_HOME = '/opt/trino';
/** The image's AOT cache of Trino's server (docker/sql/trino-aot-train.sh); hosts have none. */
export const TRINO_AOT_CACHE = path.join(TRINO_HOME, 'aot', 'trino.aot');
const serviceOf = (ctx: RuntimeNodeContext): string => (ctx.head ? 'trino-coordinator' : 'trino-worker');
const etcDir = (ctx: RuntimeNodeContext): string => path.join(ctx.home, 'trino', 'etc');
const dataDir = (ctx: RuntimeNodeContext): string =>
  diskDirs(ctx, path.join('trino', 'data'), path.join(ctx.home, 'trino', 'data'))[0] as string;

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  const options = optionsOf(ctx, 'trino');
  const heap = Number(options[ctx.head ? 'coordinator_heap_size' : 'worker_heap_size']) || undefined;
  const memory = trinoMemory(0, heap);
  const etc = etcDir(ctx);
  await writeConf(
    etc,
    'config.properties',
    configProperties({
      coordinator: ctx.head,
      headIp: ctx.headIp,
      memory,
      queryMaxMemory: typeof options.query_max_memory === 'string' ? options.query_max_memory : '50GB',
      hasWorkers: ctx.minWorkers > 0,
    }),
  );
  await writeConf(etc, 'node.properties', nodeProperties(ctx.nodeId || ctx.nodeIp, dataDir(ctx)));
  const aot = fs.existsSync(TRINO_AOT_CACHE) ? TRINO_AOT_CACHE : undefined;
  await writeConf(etc, 'jvm.config', jvmConfig(memory, aot));
  await writeConf(etc, 'log.properties', propertiesText({ 'io.trino': 'INFO' }, 'Trino logging'));
  const uri = metastoreUri(options, ctx.runtime.types, ctx.headIp);
  const hive = uri === undefined ? undefined : hiveCatalog(uri, ctx.layout.hadoopConfDir);
  const catalogs = (options.catalogs ?? {}) as Record<string, Record<string, string | number | boolean>>;
  const catalogDir = path.join(etc, 'catalog');
  await fsp.rm(catalogDir, { recursive: true, force: true });
  for (const [file, text] of Object.entries(catalogFiles(hive, catalogs))) await writeConf(catalogDir, file, text);
  await fsp.mkdir(dataDir(ctx), { recursive: true });
  // The CLI on the head talks to this coordinator by default (see docker/sql/trino-cli).
  if (ctx.head)
    await writeConf(
      path.join(ctx.home, 'trino'),
      'trino-cli.properties',
      propertiesText({ server: `http://${ctx.headIp}:${COORDINATOR_PORT}` }, 'Trino CLI defaults'),
    );
}

/** The service's script: Trino's launcher in the foreground. Pure. */
export function trinoService(etc: string, data: string): string {
  return `exec ${TRINO_HOME}/server/bin/launcher run --etc-dir=${quote(etc)} --data-dir=${quote(data)}`;
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  const jdk = path.join(TRINO_HOME, 'jdk');
  await startService(serviceOf(ctx), ['bash', '-c', trinoService(etcDir(ctx), dataDir(ctx))], {
    env: { ...env.processEnv(), JAVA_HOME: jdk, PATH: `${jdk}/bin:${env.processEnv().PATH ?? ''}` },
  });
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  await stopService(serviceOf(ctx));
}
