import { defineCommand } from '../../command-spec.js';

/**
 * Helpers runtimes run under the supervisor: the head's Prometheus target keeper, and the relay
 * between a Trino or Presto coordinator and its own discovery service.
 */
export const command = defineCommand({
  name: 'run',
  hidden: true,
  description: '(on a node) run a runtime helper in the foreground',
  arguments: [{ name: '<helper>', description: 'prometheus-targets or discovery-relay' }],
  async run(args) {
    if (args[0] === 'discovery-relay') {
      const { startDiscoveryRelay } = await import('../../../runtimes/trino/discovery-relay.js');
      const server = await startDiscoveryRelay();
      const closed = new Promise((resolve) => server.once('close', resolve));
      process.once('SIGTERM', () => {
        server.close();
        server.closeAllConnections();
      });
      await closed;
      return;
    }
    if (args[0] !== 'prometheus-targets') {
      const { CloudtikError } = await import('../../../core/errors.js');
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown helper ${String(args[0])}`);
    }
    const { keepTargets } = await import('../../../runtimes/prometheus/node.js');
    const { runtimeNodeContext } = await import('../../../runtimes/node/context.js');
    const ac = new AbortController();
    process.once('SIGTERM', () => ac.abort());
    await keepTargets(runtimeNodeContext(true), ac.signal);
  },
});
