/**
 * `cloudtik cluster-dump`: one local tar.gz with, per node, its service and runtime logs, its
 * runtimes' config files, its process list and system facts, and for the cluster its config,
 * node status and the controller's state. Each node gathers its files into a temporary folder,
 * which is copied here through the provider's command runner (docker cp, scp, ...) and removed;
 * every text file is then masked (see mask.ts) before the archive is written, and the unmasked
 * copies are deleted.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NODE_RUNTIME_DIR } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import { HEAD_STATE_DIR, type NodeInfo } from '../../providers/provider.js';
import { systemClock } from '../clock.js';
import { CloudtikError } from '../errors.js';
import { runTool, toolError } from '../process.js';
import { readSecrets } from './bootstrap.js';
import { openCluster, type ClusterContext } from './context.js';
import { openHeadStore } from './head-state.js';
import { maskObject, maskText, secretValues } from './mask.js';
import { clusterNodeRows, requireHead } from './nodes.js';

export interface DumpOptions {
  /** Only the nodes with these IPs (or ids). */
  hosts?: readonly string[];
  headOnly?: boolean;
  logs: boolean;
  debugState: boolean;
  pip: boolean;
  processes: boolean;
  processesVerbose: boolean;
  /** The archive to write (default: cloudtik-dump-<cluster>-<time>.tar.gz here). */
  output?: string;
  /** Where to gather the files before archiving (default: the system's temp folder). */
  tempDir?: string;
}

/** Config files are small; a bigger file under a runtime's folder is data, not config. */
const CONFIG_FILE = String.raw`\( -name '*.conf' -o -name '*.xml' -o -name '*.properties' -o -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.cfg' -o -name '*.ini' -o -name '*.env' -o -name '*-env.sh' \)`;

/** The shell script a node runs: gather into a new temporary folder and print its path. Pure. */
export function gatherScript(node: Pick<NodeInfo, 'kind'>, o: DumpOptions): string {
  const lines = [
    'set -u',
    'd=$(mktemp -d /tmp/cloudtik-dump.XXXXXX) || exit 1',
    'mkdir -p "$d/logs" "$d/conf"',
    `cd "$HOME/runtime" 2>/dev/null && find . -maxdepth 6 \\( -path ./cloudtik/logs -o -path ./secrets \\) -prune -o -type f -size -1024k ${CONFIG_FILE} -print 2>/dev/null | while read -r f; do mkdir -p "$d/conf/$(dirname "$f")"; cp "$f" "$d/conf/$f" 2>/dev/null; done`,
    '{ uname -a; echo; uptime; echo; df -h 2>/dev/null; echo; free -m 2>/dev/null; } >"$d/system.txt" 2>&1',
  ];
  if (node.kind === 'head') {
    lines.push(
      `[ -d ${HEAD_STATE_DIR} ] && mkdir -p "$d/head-state" && find ${HEAD_STATE_DIR} -maxdepth 1 -type f \\( -name '*.json' -o -name '*.yaml' \\) -exec cp {} "$d/head-state/" \\; 2>/dev/null`,
    );
  }
  if (o.logs) lines.push(`cp -r "$HOME/${NODE_RUNTIME_DIR}/logs/." "$d/logs/" 2>/dev/null`);
  if (o.processes) {
    const ps = o.processesVerbose ? 'ps auxww' : 'ps -eo pid,ppid,user,stat,etime,pcpu,rss,comm';
    lines.push(`${ps} >"$d/processes.txt" 2>&1`);
  }
  if (o.pip) lines.push('if command -v python3 >/dev/null; then python3 -m pip list >"$d/pip.txt" 2>&1; fi');
  lines.push('chmod -R u+rwX "$d" 2>/dev/null', 'echo "$d"');
  return lines.join('\n');
}

/** The folder name of a node in the archive: its IP (the id when it has none) and kind. Pure. */
export function nodeFolder(node: Pick<NodeInfo, 'id' | 'ip' | 'kind'>): string {
  return `${node.kind}-${(node.ip ?? node.id).replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The nodes to dump: running ones, the head only, or those named by IP or id. Pure. */
export function dumpTargets(config: ClusterConfig, nodes: readonly NodeInfo[], o: DumpOptions): NodeInfo[] {
  const running = nodes.filter((n) => n.running);
  if (o.headOnly) return [requireHead(config, running)];
  if (!o.hosts) return running;
  const unknown = o.hosts.filter((h) => !running.some((n) => n.ip === h || n.id === h));
  if (unknown.length > 0) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_USAGE',
      `no running node of cluster ${config.cluster_name} is ${unknown.join(', ')}`,
      {
        hint: `its nodes: ${running.map((n) => n.ip ?? n.id).join(', ') || 'none'}`,
      },
    );
  }
  return running.filter((n) => o.hosts?.some((h) => h === n.ip || h === n.id));
}

/**
 * The runtimes' passwords kept on a node (`~/runtime/secrets`, see runtimes/node/secrets.ts): not
 * collected, but masked wherever a log or config repeats them.
 */
const READ_NODE_SECRETS =
  'for f in "$HOME"/runtime/secrets/*; do [ -f "$f" ] && cat "$f" && echo; done 2>/dev/null; true';

/** Gather a node's files into `into`; returns the secret values kept on the node. */
async function gatherNode(ctx: ClusterContext, node: NodeInfo, o: DumpOptions, into: string): Promise<string[]> {
  const runner = ctx.provider.commandRunner(node);
  const r = await runner.run({ command: gatherScript(node, o) });
  const remote = r.stdout.trim().split('\n').pop() ?? '';
  if (r.exitCode !== 0 || !remote.startsWith('/tmp/cloudtik-dump.')) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_NODE_COMMAND',
      `could not gather the dump on ${node.id} (exit ${r.exitCode})`,
      {
        details: r.stderr.trim().split('\n').slice(-5),
      },
    );
  }
  try {
    await runner.download(remote, into);
  } finally {
    await runner.run({ command: `rm -rf ${remote}` });
  }
  const kept = await runner.run({ command: READ_NODE_SECRETS });
  return kept.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Mask every text file under `dir` in place; files with NUL bytes (binary) are removed. Returns how many were masked. */
async function maskTree(dir: string, secrets: readonly string[]): Promise<number> {
  let count = 0;
  for (const entry of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const data = await fsp.readFile(file);
    if (data.includes(0)) {
      await fsp.rm(file);
      continue;
    }
    await fsp.writeFile(file, maskText(data.toString('utf8'), secrets));
    count++;
  }
  return count;
}

/** The cluster's own part: its config (masked), its nodes, the controller's last status. */
async function gatherCluster(ctx: ClusterContext, head: NodeInfo, o: DumpOptions, into: string): Promise<void> {
  const write = (name: string, data: unknown): Promise<void> =>
    fsp.writeFile(path.join(into, name), `${JSON.stringify(data, null, 2)}\n`);
  await write('cluster-config.json', maskObject(ctx.config));
  await write('nodes.json', (await clusterNodeRows(ctx.config)).rows);
  if (!o.debugState) return;
  try {
    const store = await openHeadStore(ctx, head);
    try {
      await write('controller-status.json', (await store.status()) ?? null);
      await write('events.json', await store.events(500));
    } finally {
      await store.close();
    }
  } catch (err) {
    await write('controller-status.json', { error: err instanceof Error ? err.message : String(err) });
  }
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export interface DumpResult {
  archive: string;
  nodes: { node: string; ip: string | undefined; folder: string }[];
  files: number;
}

export async function dumpCluster(config: ClusterConfig, o: DumpOptions): Promise<DumpResult> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const nodes = await ctx.provider.listNodes();
  const head = requireHead(config, nodes);
  const targets = dumpTargets(config, nodes, o);
  const name = `cloudtik-dump-${config.cluster_name}-${stamp(systemClock.now())}`;
  const archive = path.resolve(o.output ?? `${name}.tar.gz`);
  const work = await fsp.mkdtemp(path.join(o.tempDir ?? os.tmpdir(), 'cloudtik-dump-'));
  try {
    const root = path.join(work, name);
    await fsp.mkdir(root, { recursive: true, mode: 0o700 });
    await gatherCluster(ctx, head, o, root);
    const onNodes = await Promise.all(targets.map((n) => gatherNode(ctx, n, o, path.join(root, nodeFolder(n)))));
    const secrets = [
      ...secretValues(config),
      (await readSecrets(ctx.stateDir))?.redisPassword ?? '',
      ...onNodes.flat(),
    ];
    const files = await maskTree(root, secrets);
    await fsp.mkdir(path.dirname(archive), { recursive: true });
    const r = await runTool('tar', ['-czf', archive, '-C', work, name]);
    if (r.code !== 0)
      throw toolError(r, { code: 'ERR_CLOUDTIK_CLUSTER', what: `writing ${archive}`, command: 'tar -czf' });
    return {
      archive,
      nodes: targets.map((n) => ({ node: n.id, ip: n.ip, folder: nodeFolder(n) })),
      files,
    };
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}
