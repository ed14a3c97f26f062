import { defineCommand, opt } from '../../command-spec.js';
import { REVERSE_NOTE, reverseOption } from './reverse.js';

export const command = defineCommand({
  name: 'install',
  description:
    "(on a node) check that a runtime's products are in this node's image (they are installed when the image is built)",
  arguments: [{ name: '<runtime>', description: 'hdfs, yarn, spark or prometheus' }],
  options: [opt.flag('--head', 'this node is the head'), reverseOption],
  async run(args, opts, ctx) {
    if (opts.reverse === true) ctx.reporter.info(REVERSE_NOTE);
    const { installRuntime } = await import('../../../runtimes/node/index.js');
    const files = await installRuntime(args[0]);
    ctx.reporter.result({ runtime: args[0], installed: files }, `${args[0]} is installed (${files.join(', ')})`);
  },
});
