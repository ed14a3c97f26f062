import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'cluster-dump',
  aliases: ['cluster_dump'],
  description:
    "collect every node's logs, runtime configs, process list and system facts, and the cluster's config, nodes and controller state, into one local tar.gz (passwords, keys and tokens masked)",
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.list('-h, --hosts <list>', 'only these nodes, by IP (comma separated); --help is the help here'),
    opt.flag('--head-only', 'only the head node'),
    opt.string('-o, --output <file>', 'the archive to write (default: cloudtik-dump-<cluster>-<time>.tar.gz here)'),
    opt.flag('--logs', "collect the nodes' service and runtime logs", true),
    opt.flag('--no-logs', "leave the nodes' logs out"),
    opt.flag('--debug-state', "collect the controller's status and the cluster's events (the default)", true),
    opt.flag('--no-debug-state', "leave the controller's status out"),
    opt.flag('--pip', "collect each node's Python packages (pip list) where Python is installed (the default)", true),
    opt.flag('--no-pip', 'leave the Python packages out'),
    opt.flag('--processes', "collect each node's process list (the default)", true),
    opt.flag('--no-processes', 'leave the process lists out'),
    opt.flag('--processes-verbose', 'full process lists: users, memory, whole command lines (the default)', true),
    opt.flag('--no-processes-verbose', 'short process lists: pids and program names'),
    opt.string(
      '-T, --tempfile <dir>',
      'the local folder to gather the files in before archiving (default: the system temp folder)',
    ),
    opt.flag('--silent', 'print only the archive path'),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { dumpCluster } = await import('../../../core/cluster/dump.js');
    if (opts.silent !== true && !ctx.json)
      ctx.reporter.info(`Collecting logs, configs and process lists of cluster ${config.cluster_name} ...`);
    const r = await dumpCluster(config, {
      ...(opts.hosts ? { hosts: opts.hosts } : {}),
      headOnly: opts.headOnly === true,
      logs: opts.logs,
      debugState: opts.debugState,
      pip: opts.pip,
      processes: opts.processes,
      processesVerbose: opts.processesVerbose,
      ...(opts.output ? { output: opts.output } : {}),
      ...(opts.tempfile ? { tempDir: opts.tempfile } : {}),
    });
    ctx.reporter.result(
      { cluster: config.cluster_name, ...r },
      opts.silent === true
        ? r.archive
        : `Wrote ${r.archive}: ${r.nodes.length} node(s) (${r.nodes.map((n) => n.ip ?? n.node).join(', ')}), ${r.files} files, secrets masked.`,
    );
  },
});
