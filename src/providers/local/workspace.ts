/**
 * The local provider's one workspace, `default`: the listed hosts of every local cluster of this
 * machine. It cannot be made or removed; its clusters are read from the hosts' state file.
 */
import { CloudtikError } from '../../core/errors.js';
import { TAG, type ClusterSummary, type WorkspaceInfo, type WorkspaceProvider } from '../provider.js';
import type { HostStateStore } from './store.js';

export const LOCAL_WORKSPACE = 'default';

const INFO: WorkspaceInfo = { name: LOCAL_WORKSPACE, network: 'the hosts listed in provider.nodes' };

function onlyDefault(name: string): void {
  if (name === LOCAL_WORKSPACE) return;
  throw new CloudtikError(
    'ERR_CLOUDTIK_WORKSPACE',
    `the local provider has one workspace, '${LOCAL_WORKSPACE}', not '${name}'`,
    {
      hint: `set workspace_name: ${LOCAL_WORKSPACE} (or leave it out)`,
    },
  );
}

export function localWorkspaces(store: HostStateStore): WorkspaceProvider {
  return {
    create(name) {
      onlyDefault(name);
      return Promise.resolve({ created: false, info: INFO });
    },
    get: (name) => Promise.resolve(name === LOCAL_WORKSPACE ? INFO : undefined),
    list: () => Promise.resolve([INFO]),
    async clusters(name) {
      onlyDefault(name);
      const byName = new Map<string, ClusterSummary>();
      for (const record of Object.values((await store.read()).nodes)) {
        const cluster = record.tags[TAG.cluster];
        if (record.state !== 'running' || cluster === undefined || record.tags[TAG.workspace] !== LOCAL_WORKSPACE)
          continue;
        const summary = byName.get(cluster) ?? { name: cluster, head: 0, workers: 0, running: 0 };
        if (record.tags[TAG.nodeKind] === 'head') summary.head++;
        else summary.workers++;
        summary.running++;
        byName.set(cluster, summary);
      }
      return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    },
    remove() {
      return Promise.reject(
        new CloudtikError('ERR_CLOUDTIK_WORKSPACE', 'the local workspace cannot be deleted: it is the listed hosts', {
          hint: 'stop its clusters with cloudtik stop <cluster.yaml>; that gives their hosts back',
        }),
      );
    },
  };
}
