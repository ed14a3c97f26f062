import path from 'node:path';
import { env } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import type { HostResources, NodeProvider, ProviderModule } from '../../providers/provider.js';
import { loadProvider } from '../../providers/registry.js';
import { CloudtikError } from '../errors.js';

/** A cluster config bound to the provider that runs it. */
export interface ClusterContext {
  config: ClusterConfig;
  /** The module of `provider.type`: workspaces, images, host resources, hints. */
  module: ProviderModule;
  provider: NodeProvider;
  stateDir: string;
}

/** Local folder of a workspace's state (`~/.cloudtik/<provider type>/<workspace>`), one sub-folder per cluster. */
export function workspaceStateDir(providerType: string, workspace: string): string {
  return path.join(env.home(), providerType, workspace);
}

/** Local folder of a cluster's state (`~/.cloudtik/<provider type>/<workspace>/<cluster>`). */
export function clusterStateDir(providerType: string, workspace: string, cluster: string): string {
  return path.join(workspaceStateDir(providerType, workspace), cluster);
}

/**
 * The node provider of a cluster: the one place it is built, for the CLI (`stateDir` is the
 * cluster's local state folder) and for the head's controller (the state folder the head mounts,
 * and the host resources `start` handed over).
 */
export async function clusterProvider(
  config: ClusterConfig,
  where: { stateDir: string; host?: HostResources },
): Promise<{ module: ProviderModule; provider: NodeProvider }> {
  const module = await loadProvider(config.provider.type);
  const provider = await module.nodeProvider({
    workspaceName: config.workspace_name,
    clusterName: config.cluster_name,
    sshUser: config.auth.ssh_user,
    provider: config.provider,
    auth: config.auth,
    docker: config.docker,
    ...where,
  });
  return { module, provider };
}

/**
 * Load the cluster's provider and build its node provider. The workspace must exist unless
 * `requireWorkspace` is false (read-only commands still work on a workspace that is gone).
 */
export async function openCluster(
  config: ClusterConfig,
  options: { requireWorkspace?: boolean } = {},
): Promise<ClusterContext> {
  const stateDir = clusterStateDir(config.provider.type, config.workspace_name, config.cluster_name);
  const { module, provider } = await clusterProvider(config, { stateDir });
  if (options.requireWorkspace !== false) {
    const ws = await (await module.workspaces(config.provider)).get(config.workspace_name);
    if (!ws) {
      throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `workspace ${config.workspace_name} does not exist`, {
        hint: `create it first: cloudtik workspace create <workspace.yaml> (a file with workspace_name: ${config.workspace_name} and provider.type: ${config.provider.type})`,
      });
    }
  }
  return { config, module, provider, stateDir };
}
