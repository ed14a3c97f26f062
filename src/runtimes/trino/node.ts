/**
 * Trino on a node (see engine-node.ts): its launcher on the Java runtime the image keeps for Trino
 * alone (/opt/trino/jdk).
 */
import fs from 'node:fs';
import path from 'node:path';
import { quote } from '../../core/command/shell.js';
import type { RuntimeNodeContext } from '../node/context.js';
import { propertiesText } from '../node/jvm-daemon.js';
import { configureEngine, startEngine, stopEngine, type QueryEngine } from './engine-node.js';
import { configProperties, hiveCatalog, jvmConfig, nodeProperties, trinoMemory, type TrinoMemory } from './settings.js';

/** Where the image keeps Trino (docker/sql). */
export const TRINO_HOME = '/opt/trino';
/** The image's AOT cache of Trino's server (docker/sql/trino-aot-train.sh); hosts have none. */
export const TRINO_AOT_CACHE = path.join(TRINO_HOME, 'aot', 'trino.aot');

/** The service's script: Trino's launcher in the foreground. Pure. */
export function trinoService(etc: string, data: string): string {
  return `exec ${TRINO_HOME}/server/bin/launcher run --etc-dir=${quote(etc)} --data-dir=${quote(data)}`;
}

const TRINO: QueryEngine<TrinoMemory> = {
  name: 'trino',
  home: TRINO_HOME,
  memory: trinoMemory,
  configProperties,
  nodeProperties,
  jvmConfig: (memory) => jvmConfig(memory, fs.existsSync(TRINO_AOT_CACHE) ? TRINO_AOT_CACHE : undefined),
  logProperties: propertiesText({ 'io.trino': 'INFO' }, 'Trino logging'),
  hiveCatalog,
  // Read through TRINO_CONFIG by docker/sql/trino-cli.
  cliFile: (server) => ['trino-cli.properties', propertiesText({ server }, 'Trino CLI defaults')],
  service: trinoService,
};

export const configure = (ctx: RuntimeNodeContext): Promise<void> => configureEngine(TRINO, ctx);
export const start = (ctx: RuntimeNodeContext): Promise<void> => startEngine(TRINO, ctx);
export const stop = (ctx: RuntimeNodeContext): Promise<void> => stopEngine(TRINO, ctx);
