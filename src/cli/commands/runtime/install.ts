import type { CommandSpec } from '../../command-spec.js';

export const command: CommandSpec = {
  name: 'install',
  description:
    "(on a node) check that a runtime's products are in this node's image (they are installed when the image is built)",
  arguments: [{ name: '<runtime>', description: 'hdfs, yarn, spark or prometheus' }],
  options: [{ flags: '--head', description: 'this node is the head' }],
  async run(args, _opts, ctx) {
    const { installRuntime } = await import('../../../runtimes/node/index.js');
    const files = await installRuntime(args[0] as string);
    ctx.reporter.result({ runtime: args[0], installed: files }, `${args[0]} is installed (${files.join(', ')})`);
  },
};
