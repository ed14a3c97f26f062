import type { ClusterConfig } from '../../config/types.js';
import type { ProviderHints } from '../provider.js';

const RUN_OPTION_KEYS = ['run_options', 'head_run_options', 'worker_run_options'] as const;

/** The virtual provider's words in messages: its nodes are containers on one Docker engine. */
export const VIRTUAL_HINTS: ProviderHints = {
  inspectNode: (id) => `check the container: docker inspect ${id}; docker logs ${id}`,
  clusterSupport: "The cluster's Docker gate",
  configWarnings(config: ClusterConfig): string[] {
    const ignored = RUN_OPTION_KEYS.filter((k) => (config.docker[k]?.length ?? 0) > 0);
    if (ignored.length === 0) return [];
    return [
      `docker.${ignored.join(', docker.')} ${ignored.length > 1 ? 'are' : 'is'} not applied by the virtual provider (its nodes are the containers)`,
    ];
  },
};
