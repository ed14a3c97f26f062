import path from 'node:path';
import type { DockerEngine } from '../../providers/virtual/engine.js';
import { env } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import type { NodeKind } from '../../providers/provider.js';
import { connectDocker } from '../../providers/virtual/docker-client.js';
import { VirtualNodeProvider } from '../../providers/virtual/node-provider.js';
import { getWorkspace } from '../../providers/virtual/workspace.js';
import { RUNTIMES } from '../../runtimes/registry.js';
import { CloudtikError } from '../errors.js';
import { runtimeSectionOf } from '../updater/hashes.js';

/** A cluster config bound to the engine and provider that run it. */
export interface ClusterContext {
  config: ClusterConfig;
  docker: DockerEngine;
  provider: VirtualNodeProvider;
  stateDir: string;
}

/** Local folder of a virtual workspace's state (`~/.cloudtik/virtual/<workspace>`), one sub-folder per cluster. */
export function workspaceStateDir(workspace: string): string {
  return path.join(env.home(), 'virtual', workspace);
}

/** Local folder of a virtual cluster's state (`~/.cloudtik/virtual/<workspace>/<cluster>`). */
export function clusterStateDir(workspace: string, cluster: string): string {
  return path.join(workspaceStateDir(workspace), cluster);
}

/** The image of clusters without runtimes (the built-in default of `docker.image`). */
export const DEFAULT_IMAGE = 'cloudtik/cloudtik';

/** The image a node of this kind and type runs, with the package version as the default tag. */
export function nodeImage(config: ClusterConfig, node: { kind: NodeKind; nodeType: string }, version: string): string {
  const d = config.docker;
  const typed = config.available_node_types[node.nodeType]?.docker as { worker_image?: string } | undefined;
  const explicit = (node.kind === 'head' ? d.head_image : (typed?.worker_image ?? d.worker_image)) ?? d.image;
  let name = explicit ?? DEFAULT_IMAGE;
  if (explicit === undefined) {
    // No image named: a node with runtimes runs the image that carries their engines.
    const first = (runtimeSectionOf(config, node).types ?? [])
      .map((t) => RUNTIMES[t]?.image)
      .find((i) => i !== undefined);
    if (first) name = first;
  }
  return withDefaultTag(name, version);
}

export function withDefaultTag(image: string, version: string): string {
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') ? image : `${image}:${version}`;
}

/**
 * Connect to the engine and build the cluster's provider. The workspace must exist unless
 * `requireWorkspace` is false (read-only commands still work on a workspace that is gone).
 */
export async function openCluster(
  config: ClusterConfig,
  options: { requireWorkspace?: boolean } = {},
): Promise<ClusterContext> {
  if (config.provider.type !== 'virtual') {
    throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `provider type ${config.provider.type} is not supported yet`, {
      hint: 'use provider.type: virtual',
    });
  }
  const docker = await connectDocker();
  if (options.requireWorkspace !== false) {
    const ws = await getWorkspace(docker, config.workspace_name);
    if (!ws) {
      throw new CloudtikError('ERR_CLOUDTIK_WORKSPACE', `workspace ${config.workspace_name} does not exist`, {
        hint: `create it first: cloudtik workspace create <workspace.yaml> (a file with workspace_name: ${config.workspace_name} and provider.type: virtual)`,
      });
    }
  }
  const stateDir = clusterStateDir(config.workspace_name, config.cluster_name);
  const provider = new VirtualNodeProvider({
    docker,
    workspaceName: config.workspace_name,
    clusterName: config.cluster_name,
    stateDir,
    sshUser: config.auth.ssh_user,
  });
  return { config, docker, provider, stateDir };
}
