import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

/** The line start-proxy waits for in the log (see core/cluster/proxy/control.ts). */
const LISTENING = 'listening on';

/** What `start-proxy` runs detached: the SOCKS5 server in the foreground, until SIGTERM. */
export const command = defineCommand({
  name: 'proxy-server',
  hidden: true,
  description: 'run the SOCKS5 proxy to the cluster in the foreground (start-proxy runs it in the background)',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.int('--port <port>', 'the port to listen on'),
    opt.string('--bind-address <address>', 'the address to listen on', '127.0.0.1'),
    opt.string('--log <file>', 'append what happens to this file (default: stderr)'),
  ],
  async run(args, opts, ctx) {
    const fs = await import('node:fs');
    const log = (m: string): void => {
      const line = `${new Date().toISOString()} ${m}\n`;
      if (opts.log) fs.appendFileSync(opts.log, line);
      else process.stderr.write(line);
    };
    try {
      const config = await loadCluster(args[0], opts, ctx.reporter);
      const { openCluster } = await import('../../../core/cluster/context.js');
      const { requireHead } = await import('../../../core/cluster/nodes.js');
      const { startProxyServer } = await import('../../../core/cluster/proxy/server.js');
      const cluster = await openCluster(config, { requireWorkspace: false });
      const head = requireHead(config, await cluster.provider.listNodes());
      const runner = cluster.provider.commandRunner(head);
      const { closed, address } = await startProxyServer(
        { runner, bindAddress: opts.bindAddress, port: opts.port ?? 0, log },
        ctx.signal,
      );
      log(
        `${LISTENING} ${address.address}:${address.port} (pid ${process.pid}), relaying through ${head.id} (${head.ip ?? '?'})`,
      );
      await closed;
      log('stopped');
    } catch (err) {
      log(`failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  },
});
