import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

export const command = defineCommand({
  name: 'run',
  description:
    'run a built-in script (a .sh, .py or .js file of the cloudtik package, like bin/cloudtik.js) on the head; use exec for commands and submit for your own scripts',
  arguments: [
    CLUSTER_FILE_ARG,
    { name: '<script>', description: 'the script, relative to the package folder' },
    { name: '[script_args...]', description: "the script's arguments" },
  ],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.flag('--wait-for-workers', 'first wait for the minimum number of workers to be ready'),
    opt.int('--min-workers <n>', 'with --wait-for-workers: how many (default: the configured min_workers)'),
    opt.int('--wait-timeout <seconds>', 'with --wait-for-workers: give up after this many seconds', 600),
    opt.flag('--job-log', "write the script's output to ~/user/logs/<script>-<time>.log on the head"),
  ],
  passThrough: true,
  async run(args, opts, ctx) {
    const [file, script, ...scriptArgs] = args;
    const config = await loadCluster(file, opts, ctx.reporter);
    const { builtInScriptCommand, withJobLog } = await import('../../../core/cluster/run-script.js');
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { execOnNodes, waitForReady } = await import('../../../core/cluster/nodes.js');
    let command = builtInScriptCommand(script ?? '', scriptArgs);
    const cluster = await openCluster(config, { requireWorkspace: false });
    if (opts.waitForWorkers === true)
      await waitForReady(cluster, {
        minWorkers: opts.minWorkers,
        timeoutMs: opts.waitTimeout * 1000,
        signal: ctx.signal,
      });
    let log: string | undefined;
    if (opts.jobLog === true) ({ command, log } = withJobLog(command, script ?? '', Date.now()));
    const [r] = await execOnNodes(cluster, {
      command,
      signal: ctx.signal,
      onOutput: (_node, stream, text) =>
        (stream === 'stdout' && !ctx.json ? process.stdout : process.stderr).write(text),
    });
    const exitCode = r?.exitCode ?? 1;
    if (ctx.json) ctx.reporter.result({ script, exitCode, ...(log ? { log } : {}) });
    else if (log) ctx.reporter.info(`output in ${log} on the head`);
    return exitCode;
  },
});
