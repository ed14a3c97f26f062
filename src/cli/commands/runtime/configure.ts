import { defineCommand, opt } from '../../command-spec.js';
import { REVERSE_NOTE, reverseOption } from './reverse.js';

export const command = defineCommand({
  name: 'configure',
  description: "(on a node) write a runtime's configuration for this node",
  arguments: [{ name: '<runtime>', description: 'hdfs, yarn, spark or prometheus' }],
  options: [opt.flag('--head', 'this node is the head'), reverseOption],
  async run(args, opts, ctx) {
    if (opts.reverse === true) ctx.reporter.info(REVERSE_NOTE);
    const { configureRuntime } = await import('../../../runtimes/node/index.js');
    await configureRuntime(args[0], opts.head === true);
    ctx.reporter.result({ configured: args[0] }, `configured ${args[0]}`);
  },
});
