/**
 * `cloudtik start-proxy` / `stop-proxy`: the proxy server runs detached (`cloudtik proxy-server`,
 * hidden), and its pid, port and address are kept in the cluster's local state folder
 * (`proxy.json`), so that stop-proxy ends exactly that process and a second start-proxy finds it.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { env } from '../../../config/env.js';
import type { ClusterConfig } from '../../../config/types.js';
import { systemClock } from '../../clock.js';
import { waitFor, waitUpTo } from '../../deadline.js';
import { CloudtikError } from '../../errors.js';
import { pidAlive } from '../../pid.js';
import { ownCliArgv, startDetached } from '../../process.js';
import { clusterStateDir } from '../context.js';

/** Where CloudTik starts looking for a free port for the proxy. */
export const PROXY_PORT_BASE = 6000;
const PROXY_PORT_TRIES = 100;

export interface ProxyState {
  pid: number;
  port: number;
  bindAddress: string;
  startedAt: number;
  log: string;
}

function stateDirOf(config: ClusterConfig): string {
  return clusterStateDir(config.provider.type, config.workspace_name, config.cluster_name);
}

export function proxyFiles(config: ClusterConfig): { state: string; log: string } {
  const dir = stateDirOf(config);
  return { state: path.join(dir, 'proxy.json'), log: path.join(dir, 'proxy.log') };
}

export async function readProxyState(config: ClusterConfig): Promise<ProxyState | undefined> {
  try {
    const s = JSON.parse(await fsp.readFile(proxyFiles(config).state, 'utf8')) as Partial<ProxyState>;
    return typeof s.pid === 'number' && typeof s.port === 'number' ? (s as ProxyState) : undefined;
  } catch {
    return undefined;
  }
}

/** The recorded proxy process still runs: its pid is alive and (where /proc tells) it is our proxy server. */
export function proxyAlive(state: Pick<ProxyState, 'pid'>): boolean {
  if (!pidAlive(state.pid)) return false;
  try {
    return fs.readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').includes('proxy-server');
  } catch {
    return true;
  }
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

export async function freePort(host: string, from = PROXY_PORT_BASE): Promise<number> {
  for (let p = from; p < from + PROXY_PORT_TRIES; p++) if (await portFree(p, host)) return p;
  throw new CloudtikError(
    'ERR_CLOUDTIK_USAGE',
    `no free port on ${host} from ${from} to ${from + PROXY_PORT_TRIES - 1}`,
    {
      hint: 'pass one with --port',
    },
  );
}

/**
 * Whether the proxy process we just started still runs. It is our child until this command exits,
 * so once dead it lingers as a zombie, which a signal 0 still finds: /proc says Z for it.
 */
function childRuns(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export interface StartProxyOptions {
  /** The cluster config file, as the proxy server process loads it again. */
  file: string;
  bindAddress: string;
  port?: number;
  /** Name overrides the command was given, passed on to the server process. */
  args: string[];
}

/** Start the proxy unless it runs; returns its state and whether it was started now. */
export async function startProxy(
  config: ClusterConfig,
  o: StartProxyOptions,
): Promise<{ state: ProxyState; started: boolean }> {
  const running = await readProxyState(config);
  if (running && proxyAlive(running)) return { state: running, started: false };
  const files = proxyFiles(config);
  await fsp.mkdir(path.dirname(files.state), { recursive: true });
  const port = o.port ?? (await freePort(o.bindAddress));
  const [node, ...argv] = ownCliArgv(
    'proxy-server',
    path.resolve(o.file),
    '--port',
    String(port),
    '--bind-address',
    o.bindAddress,
    '--log',
    files.log,
    ...o.args,
  );
  const pid = startDetached(node, argv, { env: env.processEnv() });
  if (pid === undefined) throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', 'could not start the proxy process');
  await waitFor(
    async () => {
      if (!childRuns(pid)) {
        const log = await fsp.readFile(files.log, 'utf8').catch(() => '');
        throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', 'the proxy process exited at start', {
          details: log.trim().split('\n').slice(-5),
          hint: `its log: ${files.log}`,
        });
      }
      // Its own line in its log, not a connection: something else may answer on that address.
      const log = await fsp.readFile(files.log, 'utf8').catch(() => '');
      return log.includes(`:${port} (pid ${pid})`) || undefined;
    },
    {
      what: `the proxy to listen on ${o.bindAddress}:${port}`,
      ms: 20_000,
      pauseMs: 100,
      hint: `its log: ${files.log}`,
    },
  );
  const state: ProxyState = { pid, port, bindAddress: o.bindAddress, startedAt: systemClock.now(), log: files.log };
  await fsp.writeFile(files.state, `${JSON.stringify(state)}\n`);
  return { state, started: true };
}

/** End the recorded proxy process (SIGTERM, SIGKILL after 5 s) and forget it. */
export async function stopProxy(config: ClusterConfig): Promise<{ stopped: boolean; state?: ProxyState }> {
  const state = await readProxyState(config);
  const files = proxyFiles(config);
  if (!state || !proxyAlive(state)) {
    await fsp.rm(files.state, { force: true });
    return state ? { stopped: false, state } : { stopped: false };
  }
  process.kill(state.pid, 'SIGTERM');
  const exited = await waitUpTo(() => !pidAlive(state.pid), { what: 'the proxy to exit', ms: 5000, pauseMs: 50 });
  if (!exited && pidAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  await fsp.rm(files.state, { force: true });
  return { stopped: true, state };
}
