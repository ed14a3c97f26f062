/**
 * Shared by the streaming runtimes (ZooKeeper, Kafka): Java properties files, heap sizes from the
 * node's memory, the environment of the image's launchers (docker/streaming/bin/kafka-run-class),
 * and asking a ZooKeeper server what it is (its four-letter words).
 */
import net from 'node:net';
import { env } from '../../config/env.js';
import { QUICK_START_JVM_OPTS } from './hadoop.js';

/** Where the image keeps the jars and the daemons' logging settings (docker/streaming). */
export const KAFKA_HOME = '/opt/kafka';

/** A Java properties file, keys in the order given (values written as they are; no escapes needed for ours). Pure. */
export function propertiesText(values: Readonly<Record<string, string | number | boolean>>, title: string): string {
  const lines = Object.entries(values).map(([k, v]) => `${k}=${String(v)}`);
  return [`# ${title}. Written by cloudtik runtime services.`, ...lines, ''].join('\n');
}

/**
 * A JVM heap from the node's memory: `share` of it, within [floor, ceiling] MB, rounded to 64 MB.
 * Pure. Nodes share a machine with other JVMs (HDFS, YARN): ceilings keep these daemons small.
 */
export function heapMb(nodeMemoryMb: number, share: number, floor: number, ceiling: number): number {
  const want = Math.floor((nodeMemoryMb * share) / 64) * 64;
  return Math.max(floor, Math.min(ceiling, want));
}

/** The environment a daemon started by kafka-run-class gets: heap, start-up options, logging to stdout. */
export function daemonEnv(heap: number): NodeJS.ProcessEnv {
  return {
    ...env.processEnv(),
    KAFKA_HEAP_OPTS: `-Xms${heap}m -Xmx${heap}m`,
    KAFKA_JVM_PERFORMANCE_OPTS: QUICK_START_JVM_OPTS,
    KAFKA_LOG4J_OPTS: `-Dlog4j.configuration=file:${KAFKA_HOME}/config/log4j.properties`,
  };
}

/** The environment of a short command line tool run by kafka-run-class (its logging: warnings to stderr). */
export function toolEnv(): NodeJS.ProcessEnv {
  return { ...env.processEnv(), KAFKA_HEAP_OPTS: '-Xmx128m' };
}

/** A ZooKeeper four-letter word's answer (`srvr`, `mntr`, `ruok`), or undefined when the server does not answer. */
export function fourLetterWord(
  host: string,
  port: number,
  word: string,
  timeoutMs = 2000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    const done = (v: string | undefined): void => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.on('connect', () => socket.write(word));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', () => done(undefined));
  });
}

/** The `Mode:` line of a `srvr` answer (`leader`, `follower`, `observer`, `standalone`), or undefined. Pure. */
export function serverMode(srvr: string | undefined): string | undefined {
  return srvr?.match(/^Mode:\s*(\S+)/m)?.[1];
}
