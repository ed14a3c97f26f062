import type { CommandSpec, OptionSpec } from '../../command-spec.js';
import { opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG } from '../../common.js';
import { command as exec } from './exec.js';

/**
 * CloudTik runs `run` as it runs `exec` (both through its `_exec_with_prepare`), with the built-in
 * script as the command. So `run` is `exec` of that command on the head: it takes exec's options
 * but the ones that choose nodes, and exec does the rest (starting the cluster first, waiting for
 * workers, sessions, ...) exactly as for any command.
 */
const NODE_CHOICE = new Set(['nodeIp', 'allNodes', 'parallel', 'runEnv']);

/** run's own, where exec does not have them already. */
const OWN: OptionSpec[] = [
  opt.flag('--wait-for-workers', 'first wait for the minimum number of workers to be ready'),
  opt.int('--min-workers <n>', 'with --wait-for-workers: how many (default: the configured min_workers)'),
  opt.int('--wait-timeout <seconds>', 'with --wait-for-workers: give up after this many seconds', 600),
  opt.flag('--job-log', "write the script's output to ~/user/logs/<script>-<time>.log on the head"),
];

const fromExec = (exec.options ?? []).filter((o) => !NODE_CHOICE.has(o.key));
const own = OWN.filter((o) => !fromExec.some((e) => e.key === o.key));
const execWaits = fromExec.some((o) => o.key === 'waitForWorkers');

export const command: CommandSpec = {
  name: 'run',
  description:
    'run a built-in script (a .sh, .py or .js file of the cloudtik package, like bin/cloudtik.js) on the head; use exec for commands and submit for your own scripts',
  arguments: [
    CLUSTER_FILE_ARG,
    { name: '<script>', description: 'the script, relative to the package folder' },
    { name: '[script_args...]', description: "the script's arguments" },
  ],
  options: [...fromExec, ...own],
  passThrough: true,
  async run(args, opts, ctx) {
    const [file, script, ...scriptArgs] = args.map((a) => a ?? '');
    const { builtInScriptCommand, withJobLog } = await import('../../../core/cluster/run-script.js');
    let command = builtInScriptCommand(script ?? '', scriptArgs);
    if (!execWaits && opts.waitForWorkers === true) {
      const { loadCluster } = await import('../../common.js');
      const { openCluster } = await import('../../../core/cluster/context.js');
      const { waitForReady } = await import('../../../core/cluster/nodes.js');
      const config = await loadCluster(file ?? '', opts, ctx.reporter);
      const minWorkers = opts.minWorkers as number | undefined;
      await waitForReady(await openCluster(config, { requireWorkspace: false }), {
        minWorkers,
        timeoutMs: (opts.waitTimeout as number) * 1000,
        signal: ctx.signal,
      });
    }
    if (opts.jobLog === true) {
      const logged = withJobLog(command, script ?? '', Date.now());
      command = logged.command;
      ctx.reporter.info(`output to ${logged.log} on the head`);
    }
    return exec.run([file, command], { ...opts, allNodes: false, parallel: true }, ctx);
  },
};
