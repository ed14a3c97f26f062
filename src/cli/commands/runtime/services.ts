import { defineCommand, opt } from '../../command-spec.js';
import { REVERSE_NOTE, reverseOption } from './reverse.js';

export const command = defineCommand({
  name: 'services',
  description: "(on a node) start, stop or restart a runtime's services on this node",
  arguments: [
    { name: '<runtime>', description: 'hdfs, yarn, spark or prometheus' },
    { name: '<action>', description: 'start, stop or restart' },
  ],
  options: [opt.flag('--head', 'this node is the head'), reverseOption],
  async run(args, opts, ctx) {
    if (opts.reverse === true) ctx.reporter.info(REVERSE_NOTE);
    const action = args[1];
    if (action !== 'start' && action !== 'stop' && action !== 'restart') {
      const { CloudtikError } = await import('../../../core/errors.js');
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown action ${String(action)}`, {
        hint: 'use start, stop or restart',
      });
    }
    const { runtimeServices } = await import('../../../runtimes/node/index.js');
    await runtimeServices(args[0], action, opts.head === true);
    ctx.reporter.result({ runtime: args[0], action }, `${args[0]}: ${action} done`);
  },
});
