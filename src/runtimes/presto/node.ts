/**
 * Presto on a node (see ../trino/engine-node.ts, which it shares with Trino): its launcher on the
 * Java 11 runtime the image keeps for Presto alone (/opt/presto/jdk).
 */
import { quote } from '../../core/command/shell.js';
import type { RuntimeNodeContext } from '../node/context.js';
import { propertiesText } from '../node/jvm-daemon.js';
import { configureEngine, startEngine, stopEngine, type QueryEngine } from '../trino/engine-node.js';
import {
  configProperties,
  hiveCatalog,
  jvmConfig,
  nodeProperties,
  prestoMemory,
  type PrestoMemory,
} from './settings.js';

/** Where the image keeps Presto (docker/sql). */
export const PRESTO_HOME = '/opt/presto';

/**
 * The service's script: Presto's launcher in the foreground. Its launcher script asks for a
 * `python` the nodes do not have, so its Python part runs on the nodes' python3. Pure.
 */
export function prestoService(etc: string, data: string): string {
  return `exec python3 ${PRESTO_HOME}/server/bin/launcher.py run --etc-dir=${quote(etc)} --data-dir=${quote(data)}`;
}

const PRESTO: QueryEngine<PrestoMemory> = {
  name: 'presto',
  home: PRESTO_HOME,
  memory: prestoMemory,
  configProperties,
  nodeProperties,
  jvmConfig,
  logProperties: propertiesText({ 'com.facebook.presto': 'INFO' }, 'Presto logging'),
  hiveCatalog,
  // Read by docker/sql/presto-cli (Presto's client has no defaults file of its own).
  cliFile: (server) => ['cli-server', `${server}\n`],
  service: prestoService,
};

export const configure = (ctx: RuntimeNodeContext): Promise<void> => configureEngine(PRESTO, ctx);
export const start = (ctx: RuntimeNodeContext): Promise<void> => startEngine(PRESTO, ctx);
export const stop = (ctx: RuntimeNodeContext): Promise<void> => stopEngine(PRESTO, ctx);
