import type { ClusterConfig } from '../../../config/types.js';
import type { ExecResult } from '../../../core/cluster/nodes.js';
import { defineCommand, opt, type CommandContext } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  allNodesOption,
  asUsage,
  clusterNameOption,
  loadCluster,
  noAllNodesOption,
  nodeIpOption,
  workspaceNameOption,
} from '../../common.js';
import { JOB_OPTIONS, planJob, sessionCommand, sessionName, type JobPlan } from '../../job-options.js';

const RUN_ENVS = ['auto', 'host', 'docker'] as const;

/** `--run-env`: where the command runs. Nodes here are the containers (or hosts) commands run on. */
export function runEnvNote(runEnv: string | undefined): string | undefined {
  if (runEnv === undefined || runEnv === 'auto') return undefined;
  if (!(RUN_ENVS as readonly string[]).includes(runEnv)) {
    throw new Error(`--run-env: expected one of ${RUN_ENVS.join(', ')}, got ${runEnv}`);
  }
  return `--run-env ${runEnv}: the command runs where node commands run (the node's container, or the host without one); there is no other place to choose`;
}

interface ExecTarget {
  command: string;
  nodeIp: string | undefined;
  allNodes: boolean;
  parallel: boolean;
}

/** Run on the nodes, printing their output (each line prefixed with its node when there are several). */
async function runOnNodes(config: ClusterConfig, target: ExecTarget, plan: JobPlan, ctx: CommandContext) {
  const { openCluster } = await import('../../../core/cluster/context.js');
  const { execOnNodes, listClusterNodes, requireHead } = await import('../../../core/cluster/nodes.js');
  const { forwardPorts } = await import('../../job-steps.js');
  const cluster = await openCluster(config, { requireWorkspace: false });
  const closeForwards = await forwardPorts(
    cluster,
    requireHead(config, await listClusterNodes(config)),
    plan.ports,
    ctx,
  );
  const many = target.allNodes;
  const partial = new Map<string, { out: NodeJS.WriteStream; prefix: string; text: string }>();
  try {
    const results = await execOnNodes(cluster, {
      ...target,
      signal: ctx.signal,
      onOutput: (node, stream, text) => {
        const out = stream === 'stdout' && !ctx.json ? process.stdout : process.stderr;
        if (!many) {
          out.write(text);
          return;
        }
        const key = `${node.id}:${stream}`;
        const prefix = `${node.ip ?? node.id}: `;
        const lines = ((partial.get(key)?.text ?? '') + text).split('\n');
        partial.set(key, { out, prefix, text: lines.pop() ?? '' });
        for (const l of lines) out.write(`${prefix}${l}\n`);
      },
    });
    for (const p of partial.values()) if (p.text !== '') p.out.write(`${p.prefix}${p.text}\n`);
    return { cluster, results };
  } finally {
    closeForwards();
  }
}

function reportResults(
  cluster: string,
  results: ExecResult[],
  many: boolean,
  session: { kind: string; name: string } | undefined,
  ctx: CommandContext,
): number {
  const failed = results.filter((r) => r.exitCode !== 0);
  if (ctx.json) ctx.reporter.result({ cluster, results, ...(session ? { session: session.name } : {}) });
  else if (many && failed.length > 0)
    ctx.reporter.warn(
      `command failed on ${failed.length} of ${results.length} node(s): ${failed.map((f) => `${f.ip ?? f.node} (exit ${f.exitCode})`).join(', ')}`,
    );
  if (session && failed.length === 0 && !ctx.json) {
    ctx.reporter.info(
      `started in ${session.kind} session ${session.name}; join it with: cloudtik attach <cluster.yaml> --${session.kind}`,
    );
  }
  return failed[0]?.exitCode ?? 0;
}

export const command = defineCommand({
  name: 'exec',
  description: 'run a shell command on the head (or on a node, or on all nodes)',
  arguments: [CLUSTER_FILE_ARG, { name: '<cmd...>', description: 'the shell command' }],
  options: [
    clusterNameOption,
    workspaceNameOption,
    nodeIpOption,
    allNodesOption,
    noAllNodesOption,
    opt.flag('--parallel', 'with --all-nodes, run on the nodes at the same time (default)', true),
    opt.flag('--no-parallel', 'with --all-nodes, run on one node after another'),
    opt.string('--run-env <where>', 'auto, host or docker: where on the node the command runs'),
    ...JOB_OPTIONS,
  ],
  async run(args, opts, ctx) {
    const [file, ...words] = args;
    const plan = planJob(opts);
    const note = asUsage(() => runEnvNote(opts.runEnv));
    if (note) ctx.reporter.info(note);
    const config = await loadCluster(file, opts, ctx.reporter);
    const { beforeJob, waitForSession, stopAfterJob } = await import('../../job-steps.js');
    await beforeJob(config, plan, ctx, opts.yes === true);
    const session = plan.session ? { kind: plan.session, name: sessionName('exec') } : undefined;
    const given = words.join(' ');
    const many = opts.allNodes === true;
    const { cluster, results } = await runOnNodes(
      config,
      {
        command: session ? sessionCommand(session.kind, session.name, given) : given,
        nodeIp: opts.nodeIp,
        allNodes: many,
        parallel: opts.parallel,
      },
      plan,
      ctx,
    );
    const code = reportResults(config.cluster_name, results, many, session, ctx);
    // --stop stops the cluster whatever the command's exit code; a detached job is waited for first.
    if (plan.stop) {
      if (session && code === 0) {
        const nodes = await cluster.provider.listNodes();
        for (const r of results) {
          const node = nodes.find((n) => n.id === r.node);
          if (node) await waitForSession(cluster, node, session, ctx);
        }
      }
      await stopAfterJob(config, ctx, opts.yes === true);
    }
    return code;
  },
  passThrough: true,
});
