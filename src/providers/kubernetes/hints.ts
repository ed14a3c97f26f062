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
    const provider = config.provider as Record<string, unknown>;
    for (const key of ['head_external_service', 'node_service', 'cloud_provider']) {
      if (provider[key] !== undefined && provider[key] !== false)
        warnings.push(`provider.${key} is not applied by this kubernetes provider yet`);
    }
    for (const [name, type] of Object.entries(config.available_node_types)) {
      for (const key of ['service', 'ingress']) {
        if ((type.node_config as Record<string, unknown>)[key] !== undefined)
          warnings.push(
            `available_node_types.${name}.node_config.${key} is not applied by this kubernetes provider yet`,
          );
      }
    }
    if (config.docker.enabled === true)
      warnings.push('docker.enabled is not applied by the kubernetes provider: its nodes are the pods');
    return warnings;
  },
};
