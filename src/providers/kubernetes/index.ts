/**
 * The kubernetes provider: a workspace is a namespace (with the head's service account and Role),
 * a node is a pod, commands and copies go through the API's exec subresource. The client library
 * loads with this module, which the registry loads only for `provider.type: kubernetes`.
 */
import os from 'node:os';
import type { ClusterRef, HostResources, ProviderModule, WorkspaceProvider } from '../provider.js';
import { CloudtikError } from '../../core/errors.js';
import { existingKubeconfig, inClusterCredentials, kubeApi, kubeconfigSource, type KubeApi } from './api.js';
import { kubernetesAttachCommand } from './attach.js';
import { renewHeadToken } from './head-token.js';
import { KUBERNETES_HINTS } from './hints.js';
import { KubernetesNodeProvider } from './node-provider.js';
import { clusterPodRunner } from './runner.js';
import { parseCpu } from './spec.js';
import { kubernetesWorkspaces } from './workspace.js';
import { parseMemory } from '../../core/units.js';

/** `provider.kubeconfig` of a config's provider section, when set. */
function kubeconfigIn(section: unknown): string | undefined {
  const v = (section as { kubeconfig?: unknown } | undefined)?.kubeconfig;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * What a pod can get at most: the largest allocatable CPUs and memory of the cluster's nodes; this
 * machine's size when the credentials may not list nodes (the head's account may not).
 */
async function largestNode(api: KubeApi): Promise<HostResources> {
  try {
    const nodes = await api.core.listNode();
    let best: HostResources | undefined;
    for (const n of nodes.items) {
      const a = n.status?.allocatable ?? {};
      const cpus = parseCpu(a.cpu) ?? 0;
      const memoryBytes = a.memory ? parseMemory(a.memory) : 0;
      if (!best || cpus * 1e12 + memoryBytes > best.cpus * 1e12 + best.memoryBytes) best = { cpus, memoryBytes };
    }
    if (best) return best;
  } catch {
    // not allowed or not reachable: fall through
  }
  return { cpus: os.cpus().length, memoryBytes: os.totalmem() };
}

/** `cloudtik node kubernetes-token` on a head: renew its installed token now, and say until when it lives. */
async function kubernetesTokenCommand(): Promise<void> {
  const files = inClusterCredentials();
  if (!files.head) {
    throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', 'this pod uses its mounted service account token', {
      hint: 'run it on the head of a kubernetes cluster, as the node user',
    });
  }
  const claims = await renewHeadToken(await kubeApi(), files.token, { force: true });
  process.stdout.write(
    `renewed ${files.token}: valid until ${new Date((claims?.expires ?? 0) * 1000).toISOString()}\n`,
  );
}

/** Workspaces when no credentials are set: none to list; anything else says how to set them. */
function withoutCredentials(kubeconfig: string | undefined): WorkspaceProvider {
  const api = async (): Promise<WorkspaceProvider> => kubernetesWorkspaces(await kubeApi(kubeconfig));
  return {
    list: () => Promise.resolve([]),
    create: async (name) => (await api()).create(name),
    get: async (name) => (await api()).get(name),
    clusters: async (name) => (await api()).clusters(name),
    remove: async (name) => (await api()).remove(name),
  };
}

export const provider: ProviderModule = {
  type: 'kubernetes',
  async nodeProvider(cluster: ClusterRef) {
    const kubeconfig = kubeconfigIn(cluster.provider);
    return new KubernetesNodeProvider({
      api: await kubeApi(kubeconfig),
      workspaceName: cluster.workspaceName,
      clusterName: cluster.clusterName,
      stateDir: cluster.stateDir,
      sshUser: cluster.sshUser,
      permanentDisks:
        (cluster.provider as { permanent_data_volumes?: unknown } | undefined)?.permanent_data_volumes === true,
      kubeconfig,
      host: cluster.host ?? { cpus: os.cpus().length, memoryBytes: os.totalmem() },
    });
  },
  async workspaces(section) {
    const kubeconfig = kubeconfigIn(section);
    const source = kubeconfigSource(kubeconfig);
    // `workspace list` asks every provider: with no credentials (none set, or a kubeconfig that is
    // not there) there are none to list; using them says what is wrong.
    const named = source.file !== undefined && existingKubeconfig(source.file) !== undefined;
    if (!named && !source.inCluster) return withoutCredentials(kubeconfig);
    return kubernetesWorkspaces(await kubeApi(kubeconfig));
  },
  async commandRunners(cluster: ClusterRef) {
    const kubeconfig = kubeconfigIn(cluster.provider);
    const api = await kubeApi(kubeconfig);
    return (node) =>
      clusterPodRunner(api, { namespace: cluster.workspaceName, user: cluster.sshUser, kubeconfig }, node.id);
  },
  async hostResources(section) {
    return largestNode(await kubeApi(kubeconfigIn(section)));
  },
  hints: KUBERNETES_HINTS,
  nodeStartWaitSeconds: 300,
  nodeCommands: { 'kubernetes-attach': kubernetesAttachCommand, 'kubernetes-token': kubernetesTokenCommand },
};
