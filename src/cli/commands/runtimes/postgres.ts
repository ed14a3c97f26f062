import type { CommandGroupSpec } from '../../command-spec.js';
import { defineCommand } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

const switchover = defineCommand({
  name: 'switchover',
  description:
    "make the head's standby server the primary (CloudTik's replication mode); this postgres runtime runs one server, so there is none to switch over",
  arguments: [CLUSTER_FILE_ARG],
  options: [clusterNameOption, workspaceNameOption],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { CloudtikError } = await import('../../../core/errors.js');
    throw new CloudtikError(
      'ERR_CLOUDTIK_USAGE',
      `postgres in cluster ${config.cluster_name} runs one server on the head: there is no standby to switch over`,
      { hint: "the postgres runtime does not support CloudTik's replication mode (runtime.postgres.replication)" },
    );
  },
});

export const postgresGroup: CommandGroupSpec = {
  name: 'postgres',
  description: 'commands for the Postgres runtime',
  commands: [switchover],
};
