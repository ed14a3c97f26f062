/**
 * The one adapter to the Kubernetes API (through `@kubernetes/client-node`, loaded on first use so
 * the CLI of other providers never pays for it). Credentials come from `provider.kubeconfig`, else
 * `KUBECONFIG`, else `~/.kube/config`, else the pod's service account (in-cluster config).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { env } from '../../config/env.js';
import { CloudtikError } from '../../core/errors.js';
import { AgentPool } from './agents.js';
import { headCredentialPaths, keepHeadTokenFresh } from './head-token.js';

type Client = (typeof import('./client-lib.js'))['kubeClient'];
type CoreV1Api = import('@kubernetes/client-node').CoreV1Api;
type RbacApi = import('@kubernetes/client-node').RbacAuthorizationV1Api;
type KubeConfig = import('@kubernetes/client-node').KubeConfig;

/** What the provider's code talks to: the typed APIs, exec, and the namespace-free config. */
export interface KubeApi {
  lib: Client;
  config: KubeConfig;
  core: CoreV1Api;
  rbac: RbacApi;
  exec: ExecApi;
  /** Where the API server is, for messages. */
  server: string;
}

/** The final status of an exec: `Success`, or `Failure` with the exit code as a cause. */
export interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** The open exec connection. */
export interface ExecSocket {
  close(): void;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** The exec subresource: argv in a pod's container, with streams (and a terminal when `tty`). */
export interface ExecApi {
  exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
    stdout: NodeJS.WritableStream | null,
    stderr: NodeJS.WritableStream | null,
    stdin: NodeJS.ReadableStream | null,
    tty: boolean,
    onStatus?: (status: ExecStatus) => void,
  ): Promise<ExecSocket>;
}

let loaded: Promise<Client> | undefined;
function client(): Promise<Client> {
  loaded ??= import('./client-lib.js')
    .then((m) => m.kubeClient)
    .catch((err: unknown) => {
      loaded = undefined;
      if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
      // An optional dependency: installs on bare hosts leave it out (the bundled CLI carries its own copy).
      throw new CloudtikError('ERR_CLOUDTIK_KUBERNETES', 'the package @kubernetes/client-node is not installed', {
        hint: 'install cloudtik with its optional dependencies: sudo npm install --global cloudtik',
        cause: err,
      });
    });
  return loaded;
}

/** Which credentials to use: an explicit file, `KUBECONFIG`, `~/.kube/config`, or the pod's account. */
export function kubeconfigSource(explicit: string | undefined): { file?: string; inCluster: boolean } {
  if (explicit) return { file: explicit, inCluster: false };
  const fromEnv = env.kubeconfig();
  if (fromEnv) return { file: fromEnv, inCluster: false };
  const home = path.join(os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) return { file: home, inCluster: false };
  return { inCluster: env.inKubernetesPod() || fs.existsSync(inClusterCredentials().token) };
}

/** Of a KUBECONFIG list, the first file that exists (kubectl reads it for the current context). */
export function existingKubeconfig(list: string): string | undefined {
  return list.split(path.delimiter).find((f) => f !== '' && fs.existsSync(f));
}

/** Where a pod finds its service account's token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The API's in-cluster name, for processes that lost the pod's KUBERNETES_SERVICE_* variables. */
const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/**
 * The pod's token and CA: its mounted service account's, else those `start` installs on a head
 * (whose pod mounts none, see head-token.ts); `head` says which.
 */
export function inClusterCredentials(): { token: string; ca: string; head: boolean } {
  const mounted = { token: path.join(SERVICE_ACCOUNT_DIR, 'token'), ca: path.join(SERVICE_ACCOUNT_DIR, 'ca.crt') };
  if (fs.existsSync(mounted.token)) return { ...mounted, head: false };
  return { ...headCredentialPaths(), head: true };
}

function loadInCluster(config: KubeConfig): { token: string; head: boolean } {
  const files = inClusterCredentials();
  const server = env.kubernetesServiceUrl() ?? IN_CLUSTER_SERVER;
  config.loadFromClusterAndUser(
    { name: 'in-cluster', server, caFile: files.ca, skipTLSVerify: false },
    { name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile: files.token } } },
  );
  return files;
}

const apis = new Map<string, Promise<KubeApi>>();

/** The API of the cluster the credentials name (one client per credentials per process). */
export function kubeApi(explicitKubeconfig?: string): Promise<KubeApi> {
  const key = explicitKubeconfig ?? '';
  let api = apis.get(key);
  if (!api) {
    api = connect(explicitKubeconfig).catch((err: unknown) => {
      apis.delete(key);
      throw err;
    });
    apis.set(key, api);
  }
  return api;
}

async function connect(explicit: string | undefined): Promise<KubeApi> {
  const lib = await client();
  const config = new lib.KubeConfig();
  const source = kubeconfigSource(explicit);
  let inCluster: { token: string; head: boolean } | undefined;
  try {
    if (source.file !== undefined) {
      config.loadFromFile(existingKubeconfig(source.file) ?? source.file);
    } else if (source.inCluster) {
      inCluster = loadInCluster(config);
    } else {
      throw new Error('no kubeconfig found');
    }
  } catch (err) {
    throw new CloudtikError('ERR_CLOUDTIK_KUBERNETES', 'cannot read the Kubernetes credentials', {
      cause: err,
      hint: 'point KUBECONFIG (or provider.kubeconfig) at a kubeconfig file, or run inside a pod with a service account',
    });
  }
  shareAgents(config);
  const server = config.getCurrentCluster()?.server ?? '(no current cluster)';
  const api: KubeApi = {
    lib,
    config,
    core: config.makeApiClient(lib.CoreV1Api),
    rbac: config.makeApiClient(lib.RbacAuthorizationV1Api),
    exec: new lib.Exec(config),
    server,
  };
  if (inCluster?.head) {
    const file = inCluster.token;
    keepHeadTokenFresh(api, file, (err) => {
      process.stderr.write(`cloudtik: could not renew the head's Kubernetes token in ${file}: ${apiMessage(err)}\n`);
    });
  }
  return api;
}

/** Every call and exec of `config` through the kept-alive agents of one pool (see agents.ts). */
function shareAgents(config: KubeConfig): void {
  const pool = new AgentPool();
  const toOptions = config.applyToHTTPSOptions.bind(config);
  config.applyToHTTPSOptions = async (opts) => {
    await toOptions(opts);
    const withAgent = opts as { agent?: unknown };
    withAgent.agent = pool.shared(withAgent.agent);
  };
  const toContext = config.applySecurityAuthentication.bind(config);
  config.applySecurityAuthentication = async (context) => {
    await toContext(context);
    const agent = pool.shared(context.getAgent());
    if (agent) context.setAgent(agent);
  };
}

/** The HTTP status of a failed API call, if it was one. */
export function apiStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') return err.code;
  return undefined;
}

/** The API server's own words about a failed call (its Status message), else the error's. */
export function apiMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'body' in err) {
    const body = err.body;
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string };
      if (parsed?.message) return parsed.message;
    } catch {
      // not JSON
    }
  }
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

/** `fn`'s result, or undefined when the object is not there (404). */
export async function orMissing<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (apiStatus(err) === 404) return undefined;
    throw err;
  }
}

/** Ignore "already exists" (409). Returns whether the object was made now. */
export async function createIfMissing(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (apiStatus(err) === 409) return false;
    throw err;
  }
}

/** A failed API call as the user sees it: what was done, the server's reason, a hint. */
export function apiError(what: string, err: unknown, server?: string): CloudtikError {
  const status = apiStatus(err);
  const hint =
    status === 403
      ? 'the credentials in use lack the permission: check the RoleBinding of the account (kubectl auth can-i)'
      : status === undefined
        ? `is the API server${server ? ` at ${server}` : ''} up? check KUBECONFIG`
        : undefined;
  return new CloudtikError('ERR_CLOUDTIK_KUBERNETES', `${what}: ${apiMessage(err)}`, { cause: err, hint });
}
