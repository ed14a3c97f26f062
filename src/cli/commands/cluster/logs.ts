import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, runtimesOption, workspaceNameOption } from '../../common.js';

/** A list option and its one-value form together (undefined when neither was given). */
function both(list: string[] | undefined, one: string | undefined): string[] | undefined {
  return list === undefined && one === undefined ? undefined : [...(list ?? []), ...(one === undefined ? [] : [one])];
}

export const command = defineCommand({
  name: 'logs',
  description:
    "print the logs of the runtimes' daemons and the node services (controller, agent, state store; runtime name cloudtik), by runtime, node type or node IP; -f follows them until Ctrl-C",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    runtimesOption,
    opt.list('--node-types <list>', 'only the nodes of these node types (comma separated)'),
    opt.list('--node-ips <list>', 'only the nodes with these IPs (comma separated)'),
    opt.string('--runtime <name>', 'only this runtime (the same as --runtimes with one)'),
    opt.string('--node-type <type>', 'only the nodes of this node type (the same as --node-types with one)'),
    opt.string('--node-ip <ip>', 'only the node with this IP (the same as --node-ips with one)'),
    opt.int('--tail <n>', 'the last N lines of each log', 100),
    opt.flag('-f, --follow', 'keep printing new lines as they are written (until Ctrl-C)'),
    opt.flag('--raw', "print the node services' JSON log lines as they are"),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { clusterLogs } = await import('../../../core/cluster/logs.js');
    const { formatLogLine } = await import('../../summaries.js');
    const follow = opts.follow === true;
    let current = '';
    const count = await clusterLogs(config, {
      runtimes: both(opts.runtimes, opts.runtime),
      nodeTypes: both(opts.nodeTypes, opts.nodeType),
      nodeIps: both(opts.nodeIps, opts.nodeIp),
      lines: opts.tail,
      follow,
      signal: ctx.signal,
      onLine: ({ node, service, line }) => {
        if (ctx.json) {
          ctx.reporter.print(JSON.stringify({ node: node.id, ip: node.ip ?? null, service, line }));
          return;
        }
        const text = opts.raw === true ? line : formatLogLine(line);
        const where = node.ip ?? node.id;
        if (follow) {
          ctx.reporter.print(`${where} ${service} | ${text}`);
          return;
        }
        const key = `${node.id}/${service}`;
        if (key !== current) {
          ctx.reporter.print(`${current === '' ? '' : '\n'}==> ${node.id} (${where}) ${service}.log <==`);
          current = key;
        }
        ctx.reporter.print(text);
      },
    });
    if (count === 0) ctx.reporter.warn('no node matches: nothing to show');
  },
});
