/**
 * Trino on a node: the coordinator on the head, a worker on every worker. Configure writes the etc
 * folder (settings.ts); the service runs Trino's launcher in the foreground on the Java runtime the
 * image keeps for Trino alone (/opt/trino/jdk), a worker only once the coordinator answers, so that
 * it announces itself at once instead of retrying.
 */
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
/** How long a worker waits for the coordinator before it gives up (and its supervisor tries again). */
export const COORDINATOR_WAIT_S = 300;

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
  await writeConf(etc, 'jvm.config', jvmConfig(memory));
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

/** The service's script: a worker waits for the coordinator; then Trino's launcher runs in the foreground. Pure. */
export function trinoService(ctx: Pick<RuntimeNodeContext, 'head' | 'headIp'>, etc: string, data: string): string {
  const lines: string[] = [];
  if (!ctx.head) {
    const info = `http://${ctx.headIp}:${COORDINATOR_PORT}/v1/info`;
    lines.push(
      `until curl -sf ${quote(info)} | grep -q '"starting":false'; do`,
      `  [ $SECONDS -lt ${COORDINATOR_WAIT_S} ] || { echo "trino: the coordinator at ${ctx.headIp}:${COORDINATOR_PORT} did not answer after ${COORDINATOR_WAIT_S} s" >&2; exit 1; }`,
      '  sleep 0.5',
      'done',
    );
  }
  lines.push(`exec ${TRINO_HOME}/server/bin/launcher run --etc-dir=${quote(etc)} --data-dir=${quote(data)}`);
  return lines.join('\n');
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  const jdk = path.join(TRINO_HOME, 'jdk');
  await startService(serviceOf(ctx), ['bash', '-c', trinoService(ctx, etcDir(ctx), dataDir(ctx))], {
    env: { ...env.processEnv(), JAVA_HOME: jdk, PATH: `${jdk}/bin:${env.processEnv().PATH ?? ''}` },
  });
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  await stopService(serviceOf(ctx));
}
