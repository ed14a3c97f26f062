import { defineCommand, opt } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  allNodesOption,
  clusterNameOption,
  loadCluster,
  nodeIpOption,
  workspaceNameOption,
} from '../../common.js';

export const command = defineCommand({
  name: 'exec',
  description: 'run a shell command on the head (or on a node, or on all nodes)',
  arguments: [CLUSTER_FILE_ARG, { name: '<cmd...>', description: 'the shell command' }],
  options: [
    clusterNameOption,
    workspaceNameOption,
    nodeIpOption,
    allNodesOption,
    opt.flag('--parallel', 'with --all-nodes, run on the nodes at the same time (default)', true),
    opt.flag('--no-parallel', 'with --all-nodes, run on one node after another'),
  ],
  async run(args, opts, ctx) {
    const [file, ...words] = args;
    const config = await loadCluster(file, opts, ctx.reporter);
    const { openCluster } = await import('../../../core/cluster/context.js');
    const { execOnNodes } = await import('../../../core/cluster/nodes.js');
    const cluster = await openCluster(config, { requireWorkspace: false });
    const many = opts.allNodes === true;
    // With several nodes, whole lines are prefixed with the node's address so parallel output stays readable.
    const partial = new Map<string, { out: NodeJS.WriteStream; prefix: string; text: string }>();
    const results = await execOnNodes(cluster, {
      command: words.join(' '),
      nodeIp: opts.nodeIp,
      allNodes: many,
      parallel: opts.parallel,
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
    const failed = results.filter((r) => r.exitCode !== 0);
    if (ctx.json) ctx.reporter.result({ results });
    else if (many && failed.length > 0)
      ctx.reporter.warn(
        `command failed on ${failed.length} of ${results.length} node(s): ${failed.map((f) => `${f.ip ?? f.node} (exit ${f.exitCode})`).join(', ')}`,
      );
    return failed[0]?.exitCode ?? 0;
  },
  passThrough: true,
});
