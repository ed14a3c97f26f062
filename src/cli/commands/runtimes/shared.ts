/** The commands CloudTik's runtime groups share: `<runtime> info`, and REST requests to a runtime's API on the head. */
import type { CommandSpec } from '../../command-spec.js';
import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

/** `<runtime> info`: the cluster's runtimes, or with --default-storage its default storage. */
export function infoCommand(product: string): CommandSpec {
  return defineCommand({
    name: 'info',
    description: `show ${product}'s settings in this cluster`,
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
}

/** What one REST command of a runtime group asks: `port` on the head, under `base`, `fallback` by default. */
export interface RestCommandSpec {
  name: string;
  description: string;
  runtime: string;
  port: number;
  base: string;
  fallback: string;
  endpointHelp: string;
}

/** A command that GETs a resource of a runtime's REST API on the head and prints the answer. */
export function restCommand(spec: RestCommandSpec): CommandSpec {
  return defineCommand({
    name: spec.name,
    description: spec.description,
    arguments: [CLUSTER_FILE_ARG],
    options: [clusterNameOption, workspaceNameOption, opt.string('--endpoint <path>', spec.endpointHelp)],
    async run(args, opts, ctx) {
      const config = await loadCluster(args[0], opts, ctx.reporter);
      const { requestOnHead, restPath } = await import('../../../core/cluster/rest.js');
      const path = restPath(spec.base, opts.endpoint, spec.fallback);
      const data = await requestOnHead(config, spec.runtime, spec.port, path);
      ctx.reporter.result(data, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
    },
  });
}
