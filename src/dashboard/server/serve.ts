/**
 * Run the dashboard on this machine: a fresh token, the real backend, a loopback address (a random
 * free port unless one is asked for), and closing that ends every open stream first.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '../../config/env.js';
import { findTool, startDetached } from '../../core/process.js';
import { CloudtikError } from '../../core/errors.js';
import { buildDashboard } from './app.js';
import { CoreBackend } from './core-backend.js';
import { isLoopback, newToken } from './security.js';

export interface ServedDashboard {
  /** The page's address with the token: the one thing that opens it. */
  url: string;
  /** host:port it listens on (no token). */
  address: string;
  /** End the streams, wait for the actions in flight, stop listening. */
  close(): Promise<void>;
}

/** The address to listen on: loopback only (`localhost` is 127.0.0.1), else a usage error. */
export function listenHost(host: string): string {
  if (host === 'localhost') return '127.0.0.1';
  if (!isLoopback(host)) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `--host ${host} is not a loopback address`, {
      hint: 'the dashboard listens on this machine only (127.0.0.1, the default, or ::1); from another machine, reach it through an SSH tunnel: ssh -L 8080:127.0.0.1:<port> <this machine>',
    });
  }
  return host;
}

export async function serveDashboard(o: { host: string; port: number }): Promise<ServedDashboard> {
  const token = newToken();
  const app = buildDashboard({ token, backend: new CoreBackend() });
  try {
    await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `cannot listen on ${o.host}:${o.port}: ${code ?? String(err)}`, {
      hint:
        code === 'EADDRINUSE'
          ? 'another program uses that port: pick another with --port, or leave it out for a free one'
          : undefined,
    });
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}/?token=${token}`,
    address: `${host}:${port}`,
    close: async () => {
      await app.close();
      await app.dashboard.actions.settle();
    },
  };
}

/**
 * Open the page in the desktop's browser. The token must not show in a process list, so the
 * browser is given a file (readable by this user only) that forwards to the page. Resolves with
 * what to tell the user, and a clean-up for the file.
 */
export async function openInBrowser(url: string): Promise<{ note: string; cleanup: () => Promise<void> }> {
  const opener = findTool('xdg-open');
  if (!opener) {
    return { note: 'xdg-open is not installed: open the address above in a browser', cleanup: () => Promise.resolve() };
  }
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-dashboard-'));
  const file = path.join(dir, 'open.html');
  await fsp.writeFile(
    file,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${url}"><title>cloudtik dashboard</title>`,
    { mode: 0o600 },
  );
  const pid = startDetached(opener, [file], { env: env.toolEnv() });
  const cleanup = (): Promise<void> => fsp.rm(dir, { recursive: true, force: true });
  return pid === undefined
    ? { note: 'xdg-open could not start: open the address above in a browser', cleanup }
    : { note: 'opened in the browser', cleanup };
}
