import os from 'node:os';
import path from 'node:path';

/**
 * The only module that reads `process.env`. Every value is read lazily, when asked for,
 * so tests and the node side can change the environment before calling in.
 */
/**
 * Where node services keep their files on a node, relative to the node user's home:
 * `logs/<service>.log` and `run/<service>.pid` (see src/node/services.ts).
 */
export const NODE_RUNTIME_DIR = 'runtime/cloudtik';

/**
 * The variable `cloudtik stop` sets for the stop commands of a whole cluster: `1` on the head while
 * the workers stop at the same time, `discard` on every node when the nodes go with their disks
 * right after (see {@link env.clusterStopping} and {@link env.nodeDiscarded}).
 */
export const CLUSTER_STOPPING_ENV = 'CLOUDTIK_CLUSTER_STOPPING';

/** {@link CLUSTER_STOPPING_ENV}'s value when every node is removed with its disks after its stop commands. */
export const CLUSTER_DISCARDED = 'discard';

/** `$XDG_CACHE_HOME` when it is an absolute path, else `~/.cache`. */
function userCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
}

export const env = {
  /** Directories searched for user `from:` templates (comma separated), before the built-in ones. */
  userTemplateDirs(): string[] {
    const raw = process.env.CLOUDTIK_USER_TEMPLATES ?? '';
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  },
  /** Default global `max_workers` when the config gives none. */
  defaultMaxWorkers(): number {
    const raw = process.env.CLOUDTIK_DEFAULT_MAX_WORKERS;
    const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
    return Number.isInteger(n) && n >= 0 ? n : 32;
  },
  /** Root of local state: `~/.cloudtik` unless `CLOUDTIK_HOME` says otherwise. */
  home(): string {
    return process.env.CLOUDTIK_HOME ?? path.join(os.homedir(), '.cloudtik');
  },
  /** `CLOUDTIK_STATE_DIR`: where a head keeps its cluster's state, when its provider put it elsewhere than the default. */
  headStateDir(): string | undefined {
    const v = process.env.CLOUDTIK_STATE_DIR;
    return v === undefined || v === '' ? undefined : v;
  },
  /**
   * `CLOUDTIK_CONTROLLER_AS_USER=1`: the head's controller runs as the node user, not through sudo
   * as root (set by providers whose controller needs no root, e.g. on listed hosts).
   */
  controllerAsUser(): boolean {
    return process.env.CLOUDTIK_CONTROLLER_AS_USER === '1';
  },
  /** `DOCKER_HOST` as given, or undefined for the default socket. */
  dockerHost(): string | undefined {
    const v = process.env.DOCKER_HOST;
    return v === undefined || v === '' ? undefined : v;
  },
  /** `KUBECONFIG` as given (a list of files, `:`-separated), or undefined for `~/.kube/config`. */
  kubeconfig(): string | undefined {
    const v = process.env.KUBECONFIG;
    return v === undefined || v === '' ? undefined : v;
  },
  /** Whether this process runs in a Kubernetes pod (the API's in-cluster address is set). */
  inKubernetesPod(): boolean {
    return (process.env.KUBERNETES_SERVICE_HOST ?? '') !== '';
  },
  /** The API server's address as a pod sees it (`https://host:port`), or undefined outside a pod. */
  kubernetesServiceUrl(): string | undefined {
    const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
    if (host === '') return undefined;
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
    return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  },
  /**
   * Node side: the call is a new cluster's start that releases the head's services once its
   * workers joined (`CLOUDTIK_HELD_BY_START`, set by that start only; see heldByStart).
   */
  heldByStart(): boolean {
    return process.env.CLOUDTIK_HELD_BY_START === '1';
  },
  /** Node side: the shell of the call (a batch of a node's commands) this process runs in, if any. */
  nodeCallPid(): number | undefined {
    const n = Number(process.env.CLOUDTIK_NODE_CALL_PID);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  },
  /** Seconds a node may take to be ready (`CLOUDTIK_NODE_START_WAIT_S`, else the provider's own default). */
  nodeStartWaitSeconds(fallback = 120): number {
    const n = Number(process.env.CLOUDTIK_NODE_START_WAIT_S);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  },
  /** Local certificate authorities to trust inside node images (Debian's folder for added CAs). */
  hostCaDir(): string {
    return process.env.CLOUDTIK_HOST_CA_DIR ?? '/usr/local/share/ca-certificates';
  },
  /** Whether the terminal asked for no colour. */
  noColor(): boolean {
    return process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  },
  /** `CLOUDTIK_VERBOSE=1`: every command runs as with `--verbose`. */
  verbose(): boolean {
    return process.env.CLOUDTIK_VERBOSE === '1';
  },
  /** Whether we run under CI (plain progress output). */
  isCI(): boolean {
    return process.env.CI === 'true' || process.env.CI === '1';
  },
  /**
   * Host cache of node-image inputs (npm tarballs, packed cloudtik, bootstrap scratch, the build lock):
   * `CLOUDTIK_IMAGE_CACHE`, else `$XDG_CACHE_HOME/cloudtik/images` (`~/.cache/cloudtik/images`). Not under
   * {@link env.home}: images live in the engine for the whole machine, so their inputs and lock do too.
   */
  imageCacheDir(): string {
    const v = process.env.CLOUDTIK_IMAGE_CACHE;
    if (v !== undefined && v !== '') return v;
    return path.join(userCacheDir(), 'cloudtik', 'images');
  },
  /** Where this user's CLI keeps V8's compiled code of its large bundles: `$XDG_CACHE_HOME/cloudtik/code`. */
  codeCacheDir(): string {
    return path.join(userCacheDir(), 'cloudtik', 'code');
  },
  /** Debian mirror for bootstrapping `cloudtik/debian`; undefined means debootstrap's own default. */
  debianMirror(): string | undefined {
    const v = process.env.CLOUDTIK_DEBIAN_MIRROR;
    return v === undefined || v === '' ? undefined : v;
  },
  /**
   * Maven repository the node images' jars are downloaded from (`CLOUDTIK_MAVEN_REPO`, e.g. a
   * company mirror); undefined: the installed Maven's own default.
   */
  mavenRepo(): string | undefined {
    const v = process.env.CLOUDTIK_MAVEN_REPO;
    return v === undefined || v.trim() === '' ? undefined : v.trim().replace(/\/+$/, '');
  },
  /** Directories searched for host tools (`PATH`), plus the sbin directories tools like debootstrap live in. */
  toolSearchPath(): string[] {
    const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
    for (const extra of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(extra)) dirs.push(extra);
    return dirs;
  },
  /** Environment for host tools the CLI spawns (npm, tar, debootstrap): ours, with {@link env.toolSearchPath} as `PATH`. */
  toolEnv(): NodeJS.ProcessEnv {
    return { ...process.env, PATH: env.toolSearchPath().join(path.delimiter) };
  },
  /** Seconds between two passes of the cluster controller. */
  updateIntervalMs(): number {
    const n = Number(process.env.CLOUDTIK_UPDATE_INTERVAL_S);
    return (Number.isFinite(n) && n > 0 ? n : 1) * 1000;
  },
  /** A node whose agent sent no heartbeat for this long is unhealthy. */
  heartbeatTimeoutMs(): number {
    const n = Number(process.env.CLOUDTIK_HEARTBEAT_TIMEOUT_S);
    return (Number.isFinite(n) && n > 0 ? n : 30) * 1000;
  },
  /**
   * Node side: the whole cluster stops, its workers at the same time as this node's stop commands
   * (`CLOUDTIK_CLUSTER_STOPPING` set; see runtimes/yarn/node.ts).
   */
  clusterStopping(): boolean {
    const v = process.env[CLUSTER_STOPPING_ENV];
    return v === '1' || v === CLUSTER_DISCARDED;
  },
  /**
   * Node side: this node and its disks are removed right after its stop commands, its processes
   * with it, so services get no grace to shut down (see src/node/services.ts).
   */
  nodeDiscarded(): boolean {
    return process.env[CLUSTER_STOPPING_ENV] === CLUSTER_DISCARDED;
  },
  /** Node side: where services keep logs and pid files (`~/runtime/cloudtik`). */
  runtimeDir(): string {
    const v = process.env.CLOUDTIK_RUNTIME_DIR;
    return v !== undefined && v !== '' ? v : path.join(os.homedir(), NODE_RUNTIME_DIR);
  },
  /** Package index for PyPI downloads of the node images (`PIP_INDEX_URL`); undefined: pip's own default. */
  pipIndexUrl(): string | undefined {
    const v = process.env.PIP_INDEX_URL;
    return v === undefined || v === '' ? undefined : v;
  },
  /** Node side: the identity the node updater exported (`CLOUDTIK_NODE_ID` and friends). */
  nodeIdentity(): {
    nodeId: string;
    nodeIp: string;
    headIp: string;
    kind: string;
    nodeType: string;
    seqId: number;
    cluster: string;
    workspace: string;
  } {
    const e = process.env;
    return {
      nodeId: e.CLOUDTIK_NODE_ID ?? os.hostname(),
      nodeIp: e.CLOUDTIK_NODE_IP ?? '',
      headIp: e.CLOUDTIK_HEAD_IP ?? '',
      kind: e.CLOUDTIK_NODE_KIND ?? '',
      nodeType: e.CLOUDTIK_NODE_TYPE ?? '',
      seqId: Number(e.CLOUDTIK_NODE_SEQ_ID ?? 0),
      cluster: e.CLOUDTIK_CLUSTER ?? '',
      workspace: e.CLOUDTIK_WORKSPACE ?? '',
    };
  },
  /** Node side: how many workers the cluster keeps at least (`CLOUDTIK_MIN_WORKERS`, summed over worker types). */
  minWorkers(): number {
    const n = Number(process.env.CLOUDTIK_MIN_WORKERS);
    return Number.isInteger(n) && n > 0 ? n : 0;
  },
  /** Node side: the state store's password, handed to nodes by the updater. */
  redisPassword(): string | undefined {
    const v = process.env.CLOUDTIK_REDIS_PASSWORD;
    return v === undefined || v === '' ? undefined : v;
  },
  /**
   * `CLOUDTIK_SIMULATOR_TOKEN`: the host-pool service's token for its clients, in place of the
   * service's token file (a client on another machine than the service, or a head).
   */
  simulatorToken(): string | undefined {
    const v = process.env.CLOUDTIK_SIMULATOR_TOKEN?.trim();
    return v === undefined || v === '' ? undefined : v;
  },
  /** Gate side: the policy of the cluster's Docker gate (JSON), set by `start` on the gate's container. */
  gatePolicy(): string | undefined {
    const v = process.env.CLOUDTIK_GATE_POLICY;
    return v === undefined || v === '' ? undefined : v;
  },
  /** Node side: the runtime section the node updater handed over (`CLOUDTIK_RUNTIME_CONFIG`, base64 JSON). */
  runtimeConfig(): string | undefined {
    const v = process.env.CLOUDTIK_RUNTIME_CONFIG;
    return v === undefined || v === '' ? undefined : v;
  },
  /** Node side: where the node image installed Hadoop (`HADOOP_HOME`, else `/opt/hadoop`). */
  hadoopHome(): string {
    return nonEmpty(process.env.HADOOP_HOME) ?? '/opt/hadoop';
  },
  /** Node side: Hadoop's configuration folder (`HADOOP_CONF_DIR`, else `etc/hadoop` of {@link env.hadoopHome}). */
  hadoopConfDir(): string {
    return nonEmpty(process.env.HADOOP_CONF_DIR) ?? path.join(env.hadoopHome(), 'etc', 'hadoop');
  },
  /** Node side: where the node image installed Spark (`SPARK_HOME`, else `/opt/spark`). */
  sparkHome(): string {
    return nonEmpty(process.env.SPARK_HOME) ?? '/opt/spark';
  },
  /** Node side: Spark's configuration folder (`SPARK_CONF_DIR`, else `conf` of {@link env.sparkHome}). */
  sparkConfDir(): string {
    return nonEmpty(process.env.SPARK_CONF_DIR) ?? path.join(env.sparkHome(), 'conf');
  },
  /** Node side: Flink's configuration folder (`FLINK_CONF_DIR`, else `/opt/flink/conf`, as in the node image). */
  flinkConfDir(): string {
    return nonEmpty(process.env.FLINK_CONF_DIR) ?? '/opt/flink/conf';
  },
  /** Node side: JVM options the node image gives Spark's daemons (`SPARK_DAEMON_JAVA_OPTS`), or ''. */
  sparkDaemonJavaOpts(): string {
    return process.env.SPARK_DAEMON_JAVA_OPTS ?? '';
  },
  /** The login name this process runs as (`USER`), or undefined where the environment does not say. */
  userName(): string | undefined {
    return nonEmpty(process.env.USER);
  },
  /**
   * Head side: the environment of a job the job runner starts: the runner's own, without the
   * state store's password (a job is the user's code, and its environment shows in its logs).
   */
  jobEnv(): NodeJS.ProcessEnv {
    const e = { ...process.env };
    delete e.CLOUDTIK_REDIS_PASSWORD;
    return e;
  },
  /** Node side: the environment a service started by `cloudtik node start` inherits. */
  processEnv(): NodeJS.ProcessEnv {
    return { ...process.env };
  },
};

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
