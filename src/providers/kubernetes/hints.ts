import type { ClusterConfig } from '../../config/types.js';
import type { ProviderHints } from '../provider.js';

/** The kubernetes provider's words in messages: its nodes are pods of the workspace's namespace. */
export const KUBERNETES_HINTS: ProviderHints = {
  inspectNode: (id) => `check the pod: kubectl describe pod ${id}; kubectl logs ${id}`,
  clusterSupport: "The cluster's head Service and headless Service",
  configWarnings(config: ClusterConfig): string[] {
    const warnings: string[] = [];
    const ns = (config.provider as { namespace?: unknown }).namespace;
    if (typeof ns === 'string' && ns !== config.workspace_name) {
      warnings.push(
        `provider.namespace (${ns}) is not applied: a workspace's namespace is named after it (${config.workspace_name})`,
      );
    }
    if (config.docker.enabled === true)
      warnings.push('docker.enabled is not applied by the kubernetes provider: its nodes are the pods');
    return warnings;
  },
};
