/**
 * REST requests to a runtime's API on the head (the Spark history server's, YARN's), made on the
 * head with its curl: the head reaches its own services on every provider, where this machine
 * may not (CloudTik's `spark applications`, `yarn rest`).
 */
import type { ClusterConfig } from '../../config/types.js';
import { CloudtikError } from '../errors.js';
import { quote } from '../command/shell.js';
import { openCluster } from './context.js';
import { requireHead } from './nodes.js';

/** `base` + the endpoint, with one slash between (CloudTik's rule: a missing leading slash is added). Pure. */
export function restPath(base: string, endpoint: string | undefined, fallback: string): string {
  const e = endpoint ?? fallback;
  return `${base}${e.startsWith('/') ? e : `/${e}`}`;
}

/** GET `path` from `port` on the head; the parsed JSON, or the text when it is not JSON. */
export async function requestOnHead(
  config: ClusterConfig,
  runtime: string,
  port: number,
  path: string,
): Promise<unknown> {
  if (!config.runtime.types.includes(runtime)) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `cluster ${config.cluster_name} does not run ${runtime}`, {
      hint: `its runtimes: ${config.runtime.types.join(', ') || 'none'}`,
    });
  }
  const ctx = await openCluster(config, { requireWorkspace: false });
  const head = requireHead(config, await ctx.provider.listNodes());
  const url = `http://${head.ip ?? '127.0.0.1'}:${port}${path}`;
  const command = `curl -sS --fail-with-body --max-time 30 ${quote(url)}`;
  const r = await ctx.provider.commandRunner(head).run({ command });
  if (r.exitCode !== 0) {
    throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `${runtime}'s REST API on ${head.id} did not answer ${path}`, {
      details: [`${command} (exit ${r.exitCode})`, ...`${r.stderr}${r.stdout}`.trim().split('\n').slice(-5)],
      hint: `is ${runtime} running? cloudtik runtime status <cluster.yaml>`,
    });
  }
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    return r.stdout;
  }
}
