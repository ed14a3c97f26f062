/**
 * Flink's configuration on a node (pure): the settings CloudTik's Flink runtime writes, sized by
 * `flink_resource`, with the cluster's HDFS for checkpoints, savepoints and the job archive the
 * history server reads, and the user's `config` over them all.
 */
import { QUICK_START_JVM_OPTS } from '../node/hadoop.js';

export const HISTORY_SERVER_PORT = 8082;
/** The Python PyFlink jobs run with: the image's Flink virtual environment. */
export const FLINK_PYTHON = '/opt/flink-venv/bin/python';

/**
 * What Flink needs on Java 17: its own classes reach into JDK internals (Kryo, the network stack);
 * the same set Flink's own configuration starts with.
 */
const JAVA17_OPENS = [
  '--add-exports=java.base/sun.net.util=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED',
  ...[
    'java.lang',
    'java.net',
    'java.io',
    'java.nio',
    'sun.nio.ch',
    'java.lang.reflect',
    'java.text',
    'java.time',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'java.util.concurrent.locks',
  ].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
].join(' ');

/** The HDFS folders Flink keeps its state and history in. */
export function flinkDirs(fs: string): { checkpoints: string; savepoints: string; history: string } {
  return {
    checkpoints: `${fs}/shared/flink-checkpoints`,
    savepoints: `${fs}/shared/flink-savepoints`,
    history: `${fs}/shared/flink-history`,
  };
}

export interface FlinkConfigInput {
  /** `flink_resource` as prepared (MB and slots). */
  resource: { jobManagerMb: number; taskManagerMb: number; slots: number };
  /** The default file system (`hdfs://<head>:9000`). */
  fs: string;
  headIp: string;
  /** The user's `runtime.flink.config`, merged over everything. */
  user: Record<string, unknown>;
}

export type FlinkConfig = Record<string, string | number | boolean>;

export function flinkConfig({ resource, fs, headIp, user }: FlinkConfigInput): FlinkConfig {
  const dirs = flinkDirs(fs);
  const quick = `${QUICK_START_JVM_OPTS} -Xshare:auto`;
  const conf: FlinkConfig = {
    'jobmanager.memory.process.size': `${resource.jobManagerMb}m`,
    'taskmanager.memory.process.size': `${resource.taskManagerMb}m`,
    'taskmanager.numberOfTaskSlots': resource.slots,
    'io.tmp.dirs': '/tmp',
    'state.checkpoints.dir': dirs.checkpoints,
    'state.savepoints.dir': dirs.savepoints,
    // Every finished job's archive, which the history server lists (CloudTik left it unset).
    'jobmanager.archive.fs.dir': dirs.history,
    'historyserver.archive.fs.dir': dirs.history,
    'historyserver.archive.fs.refresh-interval': 3000,
    'historyserver.web.address': headIp,
    'historyserver.web.port': HISTORY_SERVER_PORT,
    'env.java.opts.all': JAVA17_OPENS,
    // The processes that start with a job but do little computing start faster (see QUICK_START_JVM_OPTS).
    'env.java.opts.client': quick,
    'env.java.opts.jobmanager': quick,
    'env.java.opts.historyserver': quick,
    'python.client.executable': FLINK_PYTHON,
    'python.executable': FLINK_PYTHON,
    // A failed job fails once: a retry of the whole application on a small cluster only delays the error.
    'yarn.application-attempts': 1,
    // Hadoop's shutdown hook reads its configuration through the job's class loader after Flink
    // closed it: harmless, but Flink's leak check would print a stack trace at every client's exit.
    'classloader.check-leaked-classloader': false,
    // A client asks a finished per-job cluster once more as it closes a query's result (PyFlink's
    // collect): with Flink's 20 tries 3 s apart that held every such job a minute after its end.
    'rest.retry.max-attempts': 6,
    'rest.retry.delay': '500 ms',
  };
  for (const [k, v] of Object.entries(user)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') conf[k] = v;
  }
  return conf;
}

/** config.yaml's text: one flat key a line (Flink 1.19+ reads flat keys in its YAML file). */
export function flinkConfigText(conf: FlinkConfig): string {
  const lines = Object.entries(conf).map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return ['# Written by cloudtik runtime configure flink; runtime.flink.config adds to it.', ...lines, ''].join('\n');
}

/** The sizes in `flink_resource`, each from the prepared config or the given fallback. */
export function resourceOf(
  resource: Readonly<Record<string, unknown>> | undefined,
  fallback: { jobManagerMb: number; taskManagerMb: number; slots: number },
): { jobManagerMb: number; taskManagerMb: number; slots: number } {
  const num = (k: string, d: number): number => (typeof resource?.[k] === 'number' ? resource[k] : d);
  return {
    jobManagerMb: num('flink_jobmanager_memory', fallback.jobManagerMb),
    taskManagerMb: num('flink_taskmanager_memory', fallback.taskManagerMb),
    slots: num('flink_taskmanager_cores', fallback.slots),
  };
}
