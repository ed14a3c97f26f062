/**
 * The virtual provider: every node is a container on one Docker engine (the one `DOCKER_HOST`
 * names), a workspace is a Docker network, node images are built here and never pulled.
 */
import type { ClusterRef, HostResources, ProviderModule, WorkspaceProvider } from '../provider.js';
import { connectDocker } from './docker-client.js';
import { DockerExecRunner } from './docker-runner.js';
import type { DockerEngine } from './engine.js';
import { dockerGateCommand } from './gate-command.js';
import { VIRTUAL_HINTS } from './hints.js';
import { dockerImageBuilder } from './image-builder.js';
import { engineLeftovers } from './leftovers.js';
import { VirtualNodeProvider, engineResources } from './node-provider.js';
import { createWorkspace, getWorkspace, listWorkspaceClusters, listWorkspaces, removeWorkspace } from './workspace.js';

/** One proven client per process; a failed connection is tried again on the next call. */
let engine: Promise<DockerEngine> | undefined;
function docker(): Promise<DockerEngine> {
  engine ??= connectDocker().catch((err: unknown) => {
    engine = undefined;
    throw err;
  });
  return engine;
}

let host: Promise<HostResources> | undefined;
function hostResources(): Promise<HostResources> {
  host ??= docker()
    .then(engineResources)
    .catch((err: unknown) => {
      host = undefined;
      throw err;
    });
  return host;
}

async function workspaces(): Promise<WorkspaceProvider> {
  const d = await docker();
  return {
    create: (name) => createWorkspace(d, name),
    get: (name) => getWorkspace(d, name),
    list: () => listWorkspaces(d),
    clusters: (name) => listWorkspaceClusters(d, name),
    remove: (name) => removeWorkspace(d, name),
  };
}

export const provider: ProviderModule = {
  type: 'virtual',
  async nodeProvider(cluster: ClusterRef) {
    return new VirtualNodeProvider({
      docker: await docker(),
      workspaceName: cluster.workspaceName,
      clusterName: cluster.clusterName,
      stateDir: cluster.stateDir,
      sshUser: cluster.sshUser,
      hostCapacity: cluster.host,
    });
  },
  workspaces,
  async commandRunners(cluster: ClusterRef) {
    const d = await docker();
    return (node) => new DockerExecRunner(d, node.id, cluster.sshUser);
  },
  hostResources,
  hints: VIRTUAL_HINTS,
  images: dockerImageBuilder(docker),
  nodeCommands: { 'docker-gate': dockerGateCommand },
  leftovers: engineLeftovers(docker),
};
