/**
 * `cloudtik logs`: the logs of the node services (controller, agent, state store) and runtime
 * daemons, which the node supervisor writes to `~/runtime/cloudtik/logs/<service>.log` on each
 * node. Selected by runtime, node type and node IP; shown once or followed (`tail -F`).
 */
import { NODE_RUNTIME_DIR } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import type { NodeInfo } from '../../providers/provider.js';
import { CloudtikError } from '../errors.js';
import { quote } from '../command/shell.js';
import { openCluster } from './context.js';
import { expectedServices, NODE_SERVICES_RUNTIME } from './node-processes.js';
import { requireHead } from './nodes.js';

export interface LogFilter {
  runtimes?: readonly string[];
  nodeTypes?: readonly string[];
  nodeIps?: readonly string[];
}

export interface LogTarget {
  node: NodeInfo;
  /** Service names whose logs to read; undefined: every log on the node. */
  services?: string[];
}

function refuse(what: string, unknown: readonly string[], known: readonly string[]): never {
  throw new CloudtikError('ERR_CLOUDTIK_USAGE', `no ${what} ${unknown.join(', ')} in this cluster`, {
    hint: `its ${what}s: ${known.join(', ') || 'none'}`,
  });
}

/**
 * Which logs of which running nodes to read. An unknown runtime, node type or node IP is an
 * error that lists the known ones (a typo would otherwise print nothing). Pure.
 */
export function selectLogTargets(config: ClusterConfig, nodes: readonly NodeInfo[], filter: LogFilter): LogTarget[] {
  const running = nodes.filter((n) => n.running);
  const runtimes = [NODE_SERVICES_RUNTIME, ...config.runtime.types];
  const badRuntimes = (filter.runtimes ?? []).filter((r) => !runtimes.includes(r));
  if (badRuntimes.length > 0) refuse('runtime', badRuntimes, runtimes);
  const types = Object.keys(config.available_node_types);
  const badTypes = (filter.nodeTypes ?? []).filter((t) => !types.includes(t));
  if (badTypes.length > 0) refuse('node type', badTypes, types);
  const ips = running.flatMap((n) => (n.ip ? [n.ip] : []));
  const badIps = (filter.nodeIps ?? []).filter((ip) => !ips.includes(ip) && !running.some((n) => n.id === ip));
  if (badIps.length > 0) refuse('running node with IP', badIps, ips);
  return running
    .filter((n) => !filter.nodeTypes || filter.nodeTypes.includes(n.nodeType))
    .filter((n) => !filter.nodeIps || filter.nodeIps.some((ip) => ip === n.ip || ip === n.id))
    .flatMap((node): LogTarget[] => {
      if (!filter.runtimes) return [{ node }];
      const services = expectedServices(config, node, filter.runtimes).map((s) => s.service);
      return services.length === 0 ? [] : [{ node, services }];
    });
}

/** The shell command that prints (or follows) a node's selected logs, each under tail's `==> file <==` header. */
export function tailCommand(target: Pick<LogTarget, 'services'>, lines: number, follow: boolean): string {
  const files = target.services ? target.services.map((s) => quote(`${s}.log`)).join(' ') : '*.log';
  return [
    `cd "$HOME/${NODE_RUNTIME_DIR}/logs" 2>/dev/null || exit 0`,
    `set -- ${files}; found=`,
    'for f in "$@"; do [ -e "$f" ] && found=1; done',
    '[ -n "$found" ] || exit 0',
    // -F keeps following a log the supervisor re-creates; files missing now are skipped until they appear.
    `exec tail -v -n ${Math.max(0, Math.floor(lines))}${follow ? ' -F' : ''} -- "$@" 2>/dev/null`,
  ].join('\n');
}

/**
 * Splits `tail -v` output into lines tagged with the service whose log they are: a `==> x.log <==`
 * header switches the service, and the blank line tail puts before a header is dropped. Feed it
 * chunks as they come; a partial line waits for its end. Pure (state in the instance).
 */
export class TailSplitter {
  private service = '';
  private partial = '';
  private blank = false;

  constructor(private readonly emit: (service: string, line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.line(line);
  }

  /** The rest once the stream ended. */
  end(): void {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
  }

  private line(line: string): void {
    const header = /^==> (.+?)(?:\.log)? <==$/.exec(line);
    if (header) {
      this.blank = false;
      this.service = header[1] ?? '';
      return;
    }
    if (this.blank) this.emit(this.service, '');
    this.blank = line === '';
    if (!this.blank) this.emit(this.service, line);
  }
}

export interface LogLine {
  node: NodeInfo;
  service: string;
  line: string;
}

/**
 * Print the selected logs' last `lines` lines, node after node (head first), or follow them on
 * every node at once until `signal` aborts.
 */
export async function clusterLogs(
  config: ClusterConfig,
  options: LogFilter & { lines: number; follow: boolean; signal: AbortSignal; onLine: (l: LogLine) => void },
): Promise<number> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const nodes = await ctx.provider.listNodes();
  requireHead(config, nodes);
  const targets = selectLogTargets(config, nodes, options);
  const read = async (t: LogTarget): Promise<void> => {
    const split = new TailSplitter((service, line) => options.onLine({ node: t.node, service, line }));
    const r = await ctx.provider
      .commandRunner(t.node)
      .run({
        command: tailCommand(t, options.lines, options.follow),
        signal: options.signal,
        onStdout: (text) => split.push(text),
      })
      .catch((err: unknown) => {
        if (options.signal.aborted) return { exitCode: 0, stdout: '', stderr: '' };
        throw err;
      });
    split.end();
    if (r.exitCode !== 0 && !options.signal.aborted) {
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `could not read the logs on ${t.node.id}`, {
        details: [r.stderr.trim()],
      });
    }
  };
  if (options.follow) await Promise.all(targets.map(read));
  else for (const t of targets) await read(t);
  return targets.length;
}
