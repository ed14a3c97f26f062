import type { CommandGroupSpec } from '../../command-spec.js';
import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

/** The Spark history server's REST port (SPARK_HISTORY_SERVER_API_PORT in CloudTik). */
const HISTORY_PORT = 18080;

const applications = defineCommand({
  name: 'applications',
  description: 'list the applications the Spark history server knows (its REST API, asked on the head)',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.string('--endpoint <path>', 'another resource of the history server REST API (default: /applications)'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { requestOnHead, restPath } = await import('../../../core/cluster/rest.js');
    const data = await requestOnHead(
      config,
      'spark',
      HISTORY_PORT,
      restPath('/api/v1', opts.endpoint, '/applications'),
    );
    ctx.reporter.result(data, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
  },
});

const info = defineCommand({
  name: 'info',
  description: "show Spark's settings in this cluster",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.flag(
      '--default-storage',
      'print the default storage of the cluster (HDFS on the head, when the cluster runs it)',
    ),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    if (opts.defaultStorage !== true) {
      ctx.reporter.result(
        { cluster: config.cluster_name, runtimes: config.runtime.types },
        `Runtimes: ${config.runtime.types.join(', ') || 'none'}`,
      );
      return;
    }
    const { listClusterNodes, requireHead } = await import('../../../core/cluster/nodes.js');
    const head = requireHead(config, await listClusterNodes(config));
    // What the nodes' fs.defaultFS is (see runtimes/node/hadoop.ts): HDFS's NameNode on the head.
    const uri = config.runtime.types.includes('hdfs') && head.ip ? `hdfs://${head.ip}:9000` : undefined;
    ctx.reporter.result({ cluster: config.cluster_name, defaultStorage: uri ?? null }, uri ?? '');
  },
});

export const sparkGroup: CommandGroupSpec = {
  name: 'spark',
  description: 'commands for the Spark runtime',
  commands: [applications, info],
};
