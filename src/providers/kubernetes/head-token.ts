/**
 * The head's credentials for the Kubernetes API. Its pod mounts no service account token: a pod
 * with any volume to set up is held by the kubelet until its next look at the pod's mounts (about
 * 0.3 s more before it runs, measured on the development Kubernetes). `start` instead asks the API
 * for a token of the head's service account bound to the head pod (it stops working when the pod
 * is deleted) and installs it, with the cluster's CA, among the cluster's state files (the node
 * user's, mode 0600). A process on the head that uses them renews the token once three quarters
 * of its life have passed (the controller, which runs for as long as the cluster does), for the
 * same pod, as the Role allows (`serviceaccounts/token` of its own account only).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { headStateDir, type StateFile } from '../provider.js';
import type { KubeApi } from './api.js';
import { HEAD_SERVICE_ACCOUNT } from './spec.js';

/** The installed token and CA, by name in the head's state folder. */
export const HEAD_TOKEN_FILE = 'kube-token';
export const HEAD_CA_FILE = 'kube-ca.crt';
/** The life asked for (the API server may give less: renewal follows what it gave). */
export const HEAD_TOKEN_SECONDS = 24 * 3600;
/** The ConfigMap Kubernetes keeps in every namespace with the cluster's CA (`ca.crt`). */
const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';

/** What renewal needs of a token: its times and what it is bound to. */
export interface TokenClaims {
  issuedAt: number;
  expires: number;
  namespace: string;
  serviceAccount: string;
  pod?: { name: string; uid?: string };
}

/** The claims of a service account token (a JWT); undefined when it is not one. Pure. */
export function tokenClaims(token: string): TokenClaims | undefined {
  const payload = token.trim().split('.')[1];
  if (!payload) return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const k8s = body['kubernetes.io'] as
    { namespace?: string; serviceaccount?: { name?: string }; pod?: { name?: string; uid?: string } } | undefined;
  const { iat, exp } = body;
  if (typeof iat !== 'number' || typeof exp !== 'number' || !k8s?.namespace || !k8s.serviceaccount?.name) {
    return undefined;
  }
  const pod = k8s.pod?.name ? { name: k8s.pod.name, uid: k8s.pod.uid } : undefined;
  return { issuedAt: iat, expires: exp, namespace: k8s.namespace, serviceAccount: k8s.serviceaccount.name, pod };
}

/** Whether a token is due for renewal at `nowSeconds`: three quarters of its life have passed. Pure. */
export function renewalDue(claims: Pick<TokenClaims, 'issuedAt' | 'expires'>, nowSeconds: number): boolean {
  return nowSeconds >= claims.issuedAt + 0.75 * (claims.expires - claims.issuedAt);
}

/** A token of `account` in `namespace` bound to `pod`, living `seconds` (or what the server allows). */
async function requestToken(
  api: KubeApi,
  target: { namespace: string; account: string; pod: { name: string; uid?: string }; seconds: number },
): Promise<string> {
  const r = await api.core.createNamespacedServiceAccountToken({
    name: target.account,
    namespace: target.namespace,
    body: {
      spec: {
        // None named: the API server's own, as a pod's mounted token has.
        audiences: [],
        expirationSeconds: target.seconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: target.pod.name, uid: target.pod.uid },
      },
    },
  });
  const token = r.status?.token;
  if (!token) throw new Error(`the API server gave no token for service account ${target.account}`);
  return token;
}

/** The head's credential files for `start` to install (see the module comment). */
export async function headCredentialFiles(api: KubeApi, namespace: string, headPod: string): Promise<StateFile[]> {
  const [token, ca] = await Promise.all([
    requestToken(api, {
      namespace,
      account: HEAD_SERVICE_ACCOUNT,
      pod: { name: headPod },
      seconds: HEAD_TOKEN_SECONDS,
    }),
    api.core.readNamespacedConfigMap({ name: ROOT_CA_CONFIG_MAP, namespace }),
  ]);
  const caText = ca.data?.['ca.crt'];
  if (!caText) throw new Error(`config map ${ROOT_CA_CONFIG_MAP} in namespace ${namespace} has no ca.crt`);
  return [
    { name: HEAD_TOKEN_FILE, content: token },
    { name: HEAD_CA_FILE, content: caText },
  ];
}

/** Replace `file` with `text` atomically, keeping its owner (a renewal run as root) and mode 0600. */
async function replaceKeepingOwner(file: string, text: string): Promise<void> {
  const old = await fsp.stat(file);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await fsp.writeFile(tmp, text, { mode: 0o600 });
  if (process.getuid?.() === 0) await fsp.chown(tmp, old.uid, old.gid);
  await fsp.rename(tmp, file);
}

/**
 * Renew the token in `file` when it is due (or `force`): a new one for the same account and pod,
 * as long as the old one lived. Returns the new token's claims, or undefined when nothing was done.
 */
export async function renewHeadToken(
  api: KubeApi,
  file: string,
  opts: { force?: boolean; nowSeconds?: number } = {},
): Promise<TokenClaims | undefined> {
  const claims = tokenClaims(await fsp.readFile(file, 'utf8'));
  if (!claims?.pod) throw new Error(`${file} holds no service account token bound to a pod`);
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (!opts.force && !renewalDue(claims, now)) return undefined;
  const token = await requestToken(api, {
    namespace: claims.namespace,
    account: claims.serviceAccount,
    pod: claims.pod,
    seconds: Math.max(600, claims.expires - claims.issuedAt),
  });
  await replaceKeepingOwner(file, token);
  return tokenClaims(token);
}

/** How often a process on the head looks at its token's age. */
const RENEWAL_CHECK_MS = 60_000;

/**
 * Keep the token in `file` renewed while this process runs (the timer does not keep it alive);
 * a failed renewal goes to `onError` and is tried again at the next look.
 */
export function keepHeadTokenFresh(api: KubeApi, file: string, onError: (err: unknown) => void): void {
  const timer = setInterval(() => {
    renewHeadToken(api, file).catch(onError);
  }, RENEWAL_CHECK_MS);
  timer.unref();
}

/** Where `start` installs the head's token and CA. */
export function headCredentialPaths(): { token: string; ca: string } {
  const dir = headStateDir();
  return { token: path.join(dir, HEAD_TOKEN_FILE), ca: path.join(dir, HEAD_CA_FILE) };
}
