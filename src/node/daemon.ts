/**
 * Entry points of the node services, as `cloudtik node run <service>` runs them under the
 * supervisor (see manage.ts for `cloudtik node start|stop`).
 */
import { env } from '../config/env.js';
import fsp from 'node:fs/promises';
import os from 'node:os';
import { RedisStateStore } from '../core/state/redis-store.js';
import { runAgent } from './agent.js';
import { createLogger, type Logger } from './log.js';
import { headStateDir } from '../providers/provider.js';
import { redisPassword } from './manage.js';

function logger(service: string): Logger {
  return createLogger({ service, pid: process.pid });
}

function stopSignal(log: Logger): AbortSignal {
  const ac = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      log.info(`${sig}: stopping`);
      ac.abort();
    });
  }
  return ac.signal;
}

/**
 * The state store, retrying until it answers; a stop signal meanwhile ends the process (the
 * client's retries would keep it alive).
 */
async function connectStore(
  options: { host: string; password: string },
  signal: AbortSignal,
  log: Logger,
): Promise<RedisStateStore> {
  const onAbort = (): void => {
    log.info('stopped before the state store answered');
    process.exit(0);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await RedisStateStore.connect({ ...options, reconnect: true });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export async function runAgentService(): Promise<void> {
  const log = logger('agent');
  const id = env.nodeIdentity();
  const signal = stopSignal(log);
  const host = id.kind === 'head' ? '127.0.0.1' : id.headIp;
  const store = await connectStore({ host, password: await redisPassword() }, signal, log);
  try {
    await runAgent({ store, identity: id, log, signal });
  } finally {
    await store.close();
  }
}

export async function runControllerService(): Promise<void> {
  // Loaded here, not at the top: every node runs an agent, which needs none of this.
  const [{ expandHome, readBootstrap }, { updateNode }, { clusterProvider }, { ClusterController }] = await Promise.all(
    [
      import('../core/cluster/bootstrap.js'),
      import('../core/updater/node-updater.js'),
      import('../core/cluster/context.js'),
      import('./controller.js'),
    ],
  );
  const log = logger('controller');
  const signal = stopSignal(log);
  const stateDir = headStateDir();
  const { bootstrap } = await readBootstrap(stateDir);
  const config = bootstrap.config;
  const password = await redisPassword();
  // The provider's client loads (a Kubernetes client takes a second in a small pod) while the store answers.
  const made = clusterProvider(config, { stateDir, host: bootstrap.host });
  made.catch(() => undefined);
  const store = await connectStore({ host: '127.0.0.1', password }, signal, log);
  const { module, provider } = await made;
  const headIp = env.nodeIdentity().headIp;
  const home = await userHome(config.auth.ssh_user);
  const controller = new ClusterController({
    provider,
    store,
    loadBootstrap: async () => {
      const loaded = await readBootstrap(stateDir);
      return { ...loaded, bootstrap: { ...loaded.bootstrap, config: expandHome(loaded.bootstrap.config, home) } };
    },
    updateNode,
    headIp,
    nodeEnv: { CLOUDTIK_REDIS_PASSWORD: password },
    log,
    heartbeatTimeoutMs: env.heartbeatTimeoutMs(),
    readyTimeoutMs: env.nodeStartWaitSeconds(module.nodeStartWaitSeconds) * 1000,
  });
  log.info({ cluster: config.cluster_name, headIp }, 'controller starting');
  try {
    await controller.run(signal, env.updateIntervalMs());
  } finally {
    await store.close();
  }
}

/** The job runner on the head (see jobs.ts); it runs as the node user, and its jobs with it. */
export async function runJobsService(): Promise<void> {
  const [{ JobStore }, { runJobRunner }, { processStart }] = await Promise.all([
    import('../core/jobs/store.js'),
    import('./jobs.js'),
    import('./services.js'),
  ]);
  const log = logger('jobs');
  const signal = stopSignal(log);
  const password = await redisPassword();
  const state = await connectStore({ host: '127.0.0.1', password }, signal, log);
  const jobs = await JobStore.open({ host: '127.0.0.1', password, reconnect: true });
  const id = env.nodeIdentity();
  try {
    await runJobRunner(
      {
        jobs,
        state,
        log,
        home: os.homedir(),
        headIp: id.headIp || id.nodeIp || '127.0.0.1',
        user: env.userName() ?? 'cloudtik',
        headStart: processStart(1) ?? 'unknown',
        heartbeatTimeoutMs: env.heartbeatTimeoutMs(),
      },
      signal,
    );
  } finally {
    await Promise.all([jobs.close(), state.close()]);
  }
}

/** A user's home folder from /etc/passwd (the controller runs as root, the node user elsewhere). */
async function userHome(user: string): Promise<string> {
  const passwd = await fsp.readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === user && f[5]) return f[5];
  }
  return user === 'root' ? '/root' : `/home/${user}`;
}
