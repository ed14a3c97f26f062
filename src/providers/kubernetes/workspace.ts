/**
 * Kubernetes workspaces: a namespace named after the workspace, with the head's and the workers'
 * service accounts, the head's Role (pods, pods/exec, pods/status, services, claims, config maps,
 * tokens of its own account; in this namespace only: nothing cluster-wide) and its RoleBinding.
 * Everything carries our label; a namespace without it is never taken over or removed.
 */
import { CloudtikError } from '../../core/errors.js';
import { TAG, type ClusterSummary, type WorkspaceInfo, type WorkspaceProvider } from '../provider.js';
import { apiError, createIfMissing, orMissing, type KubeApi } from './api.js';
import {
  HEAD_ROLE,
  HEAD_ROLE_BINDING,
  HEAD_SERVICE_ACCOUNT,
  MANAGED_LABEL,
  MANAGED_VALUE,
  WORKER_SERVICE_ACCOUNT,
} from './spec.js';

/** What the head's controller may do, in its namespace only (CloudTik's rules). */
export const HEAD_RULES = [
  {
    apiGroups: [''],
    resources: ['pods', 'pods/status', 'pods/exec', 'services', 'persistentvolumeclaims', 'configmaps'],
    verbs: ['get', 'watch', 'list', 'create', 'delete', 'patch'],
  },
  // Renewing its own token (see head-token.ts): of its own account only.
  { apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: [HEAD_SERVICE_ACCOUNT], verbs: ['create'] },
];

function labels(name: string): Record<string, string> {
  return { [MANAGED_LABEL]: MANAGED_VALUE, [TAG.workspace]: name };
}

/**
 * The namespace's Pod Security level: the head's Role lets it create pods there, so anything on
 * the head (a job, as root through sudo) could otherwise start a privileged pod or one that mounts
 * the Kubernetes node's disk. `baseline` refuses those; the node pods need nothing it forbids.
 */
export const POD_SECURITY_LABELS = {
  'pod-security.kubernetes.io/enforce': 'baseline',
  'pod-security.kubernetes.io/enforce-version': 'latest',
} as const;

interface Namespace {
  metadata?: { name?: string; labels?: Record<string, string>; creationTimestamp?: Date | string };
  status?: { phase?: string };
}

function info(ns: Namespace): WorkspaceInfo {
  const name = ns.metadata?.name ?? '';
  const created = ns.metadata?.creationTimestamp;
  return {
    name,
    network: `namespace/${name}`,
    createdAt: created === undefined ? undefined : new Date(created).toISOString(),
  };
}

const ours = (ns: Namespace | undefined): boolean => ns?.metadata?.labels?.[MANAGED_LABEL] === MANAGED_VALUE;

async function ensureNamespace(api: KubeApi, name: string): Promise<boolean> {
  const existing = (await orMissing(() => api.core.readNamespace({ name }))) as Namespace | undefined;
  if (existing && !ours(existing)) {
    throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `namespace ${name} exists and was not made by cloudtik`, {
      hint: 'choose another workspace_name, or label the namespace app.kubernetes.io/managed-by=cloudtik to adopt it',
    });
  }
  if (existing?.status?.phase === 'Terminating') {
    throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `namespace ${name} is still being removed`, {
      hint: 'try again in a moment',
    });
  }
  if (existing) return false;
  return createIfMissing(() =>
    api.core.createNamespace({ body: { metadata: { name, labels: { ...labels(name), ...POD_SECURITY_LABELS } } } }),
  );
}

/** The workspace's accounts, Role and RoleBinding (each made if missing). */
async function ensureAccess(api: KubeApi, namespace: string): Promise<void> {
  const meta = (n: string): { name: string; labels: Record<string, string> } => ({
    name: n,
    labels: labels(namespace),
  });
  await Promise.all(
    [HEAD_SERVICE_ACCOUNT, WORKER_SERVICE_ACCOUNT].map((n) =>
      createIfMissing(() => api.core.createNamespacedServiceAccount({ namespace, body: { metadata: meta(n) } })),
    ),
  );
  const made = await createIfMissing(() =>
    api.rbac.createNamespacedRole({ namespace, body: { metadata: meta(HEAD_ROLE), rules: HEAD_RULES } }),
  );
  // A workspace made by an earlier version gets this version's rules.
  if (!made) {
    await api.rbac.patchNamespacedRole(
      { name: HEAD_ROLE, namespace, body: { rules: HEAD_RULES } },
      api.lib.setHeaderOptions('Content-Type', api.lib.PatchStrategy.MergePatch),
    );
  }
  await createIfMissing(() =>
    api.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: meta(HEAD_ROLE_BINDING),
        subjects: [{ kind: 'ServiceAccount', name: HEAD_SERVICE_ACCOUNT, namespace }],
        roleRef: { kind: 'Role', name: HEAD_ROLE, apiGroup: 'rbac.authorization.k8s.io' },
      },
    }),
  );
}

/** The clusters in a namespace: node pods grouped by their cluster label. */
export async function namespaceClusters(api: KubeApi, namespace: string): Promise<ClusterSummary[]> {
  const pods = await api.core.listNamespacedPod({
    namespace,
    labelSelector: `${MANAGED_LABEL}=${MANAGED_VALUE},${TAG.workspace}=${namespace}`,
  });
  const byName = new Map<string, ClusterSummary>();
  for (const pod of pods.items) {
    const l = pod.metadata?.labels ?? {};
    const name = l[TAG.cluster];
    if (!name) continue;
    const s = byName.get(name) ?? { name, head: 0, workers: 0, running: 0 };
    if (l[TAG.nodeKind] === 'head') s.head++;
    else s.workers++;
    if (pod.status?.phase === 'Running') s.running++;
    byName.set(name, s);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function kubernetesWorkspaces(api: KubeApi): WorkspaceProvider {
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CloudtikError) throw err;
      throw apiError(what, err, api.server);
    }
  };
  return {
    create: (name) =>
      wrap(`create workspace ${name}`, async () => {
        const created = await ensureNamespace(api, name);
        await ensureAccess(api, name);
        const ns = (await api.core.readNamespace({ name })) as Namespace;
        return { created, info: info(ns) };
      }),
    get: (name) =>
      wrap(`read workspace ${name}`, async () => {
        const ns = (await orMissing(() => api.core.readNamespace({ name }))) as Namespace | undefined;
        return ours(ns) && ns?.status?.phase !== 'Terminating' ? info(ns!) : undefined;
      }),
    list: () =>
      wrap('list workspaces', async () => {
        const all = await api.core.listNamespace({ labelSelector: `${MANAGED_LABEL}=${MANAGED_VALUE}` });
        return (all.items as Namespace[]).filter((n) => n.status?.phase !== 'Terminating').map(info);
      }),
    clusters: (name) => wrap(`list clusters of workspace ${name}`, () => namespaceClusters(api, name)),
    remove: (name) =>
      wrap(`delete workspace ${name}`, async () => {
        const ns = (await orMissing(() => api.core.readNamespace({ name }))) as Namespace | undefined;
        if (!ns || !ours(ns)) return false;
        const clusters = await namespaceClusters(api, name);
        if (clusters.length > 0) {
          throw new CloudtikError(
            'ERR_CLOUDTIK_WORKSPACE',
            `workspace ${name} still has clusters: ${clusters.map((c) => c.name).join(', ')}`,
            { hint: 'stop them first: cloudtik stop <cluster.yaml>' },
          );
        }
        await orMissing(() => api.core.deleteNamespace({ name }));
        return true;
      }),
  };
}
