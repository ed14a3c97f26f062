import type { CommandGroupSpec } from '../../command-spec.js';
import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

/** The ResourceManager's web and REST port. */
const RESOURCEMANAGER_PORT = 8088;

const rest = defineCommand({
  name: 'rest',
  description: "make a request to YARN's ResourceManager REST API on the head and print the answer",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.string('--endpoint <path>', 'the resource under /ws/v1 (default: /cluster/metrics)'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { requestOnHead, restPath } = await import('../../../core/cluster/rest.js');
    const data = await requestOnHead(
      config,
      'yarn',
      RESOURCEMANAGER_PORT,
      restPath('/ws/v1', opts.endpoint, '/cluster/metrics'),
    );
    ctx.reporter.result(data, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
  },
});

export const yarnGroup: CommandGroupSpec = {
  name: 'yarn',
  description: 'commands for the YARN runtime',
  commands: [rest],
};
