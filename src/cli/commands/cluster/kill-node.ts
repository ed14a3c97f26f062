import { defineCommand, opt } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  clusterNameOption,
  confirm,
  loadCluster,
  workspaceNameOption,
  yesOption,
} from '../../common.js';

export const command = defineCommand({
  name: 'kill-node',
  aliases: ['kill_node', 'kill-random-node'],
  description:
    'kill a worker (a random one, or --node-ip; its stop commands run first unless --hard) to see the head heal the cluster',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    yesOption,
    opt.string('--node-ip <ip>', 'the worker to kill (default: a random worker)'),
    opt.flag('--hard', 'kill it as a crash would, without running its stop commands first'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { killNode } = await import('../../../core/cluster/nodes.js');
    if (!(await confirm(`Kill a worker of cluster ${config.cluster_name}?`, opts.yes === true))) return 1;
    const node = await killNode(config, opts.nodeIp, { hard: opts.hard === true, sink: (e) => ctx.reporter.event(e) });
    ctx.reporter.result(
      { cluster: config.cluster_name, node: node.id, ip: node.ip ?? null },
      `Killed ${node.id} (${node.ip ?? 'no ip'}). The head replaces it: watch with cloudtik status or cloudtik events.`,
    );
  },
});
