import { once } from 'node:events';
import { defineCommand, opt } from '../../command-spec.js';
import { asUsage } from '../../common.js';

export const command = defineCommand({
  name: 'dashboard',
  description:
    'serve a web page of every workspace and cluster on this machine (nodes, controller, events, jobs with their logs) that can submit and cancel jobs, scale, kill a worker and stop a cluster; it listens on 127.0.0.1 with a random token in its address, printed once, until Ctrl-C',
  runsUntilStopped: true,
  options: [
    opt.int('--port <port>', 'the port to listen on (default: a free one)'),
    opt.string('--host <address>', 'the loopback address to listen on (only 127.0.0.1, ::1 or localhost)', '127.0.0.1'),
    opt.flag('--open', "open the page in the desktop's browser (with xdg-open)"),
  ],
  async run(_args, opts, ctx) {
    const { listenHost, openInBrowser, serveDashboard } = await import('../../../dashboard/server/serve.js');
    const host = listenHost(opts.host);
    const port = asUsage(() => {
      if (opts.port !== undefined && opts.port > 65535) throw new Error(`--port must be 0 to 65535, got ${opts.port}`);
      return opts.port ?? 0;
    });
    const served = await serveDashboard({ host, port });
    ctx.reporter.result({ url: served.url }, served.url);
    ctx.reporter.info(`the dashboard listens on ${served.address}; Ctrl-C stops it`);
    const opened = opts.open === true ? await openInBrowser(served.url) : undefined;
    if (opened) ctx.reporter.info(opened.note);
    try {
      if (!ctx.signal.aborted) await once(ctx.signal, 'abort');
      ctx.reporter.info('closing the dashboard (actions still running finish first)');
      await served.close();
    } finally {
      await opened?.cleanup();
    }
    return 0;
  },
});
