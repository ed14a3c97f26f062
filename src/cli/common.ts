import readline from 'node:readline/promises';
import type { ClusterConfig, WorkspaceConfig } from '../config/types.js';
import { CloudtikError } from '../core/errors.js';
import type { ImageBuilder, ProviderNodeCommand } from '../providers/provider.js';
import { opt, parseInteger, type ArgumentSpec } from './command-spec.js';
import type { Reporter } from './reporter.js';
import { parseOutputFormat } from './table.js';

export { parseInteger };

export const CLUSTER_FILE_ARG: ArgumentSpec<'<cluster_config_file>'> = {
  name: '<cluster_config_file>',
  description: 'the cluster YAML file',
};

export const clusterNameOption = opt.string('-n, --cluster-name <name>', 'override the configured cluster name');
export const workspaceNameOption = opt.string('--workspace-name <name>', 'override the configured workspace name');
/** `workspace` commands name the workspace with -n (cluster commands keep -n for the cluster). */
export const workspaceCommandNameOption = opt.string(
  '-n, --workspace-name <name>',
  'override the configured workspace name',
);
export const yesOption = opt.flag('-y, --yes', 'do not ask for confirmation');
export const nodeIpOption = opt.string('--node-ip <ip>', 'the node to use (default: the head)');
export const allNodesOption = opt.flag('--all-nodes', 'run on every node of the cluster');
export const noAllNodesOption = opt.flag('--no-all-nodes', 'only the head, or the node of --node-ip (the default)');

/** `-o wide` on the commands that print tables. */
export const outputOption = opt.parsed(
  '-o, --output <format>',
  'wide: print more columns (ids, addresses, full times)',
  parseOutputFormat,
);

/** `--runtimes a,b`: only these runtimes (undefined: all of them). */
export const runtimesOption = opt.list('--runtimes <list>', 'only these runtimes (comma separated)');

/** `8088,9870` -> [8088, 9870]; each a port number. */
export function parsePorts(value: string): number[] {
  return value.split(',').map((p) => {
    const n = parseInteger(p.trim());
    if (n < 1 || n > 65535) throw new Error(`${p} is not a port number`);
    return n;
  });
}

/** Run a pure decision about the options; its refusal is a usage error (exit 2) with its message. */
export function asUsage<T>(decide: () => T): T {
  try {
    return decide();
  } catch (err) {
    if (err instanceof CloudtikError) throw err;
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', err instanceof Error ? err.message : String(err));
  }
}

/** `-n, --cluster-name` and `--workspace-name`, as the commands that load a config take them. */
export interface NameOverrides {
  clusterName?: string | undefined;
  workspaceName?: string | undefined;
}

/** Load a cluster config, apply name overrides and report its warnings. */
export async function loadCluster(
  file: string,
  opts: NameOverrides,
  reporter: Reporter,
  extra: { minWorkers?: number; maxWorkers?: number } = {},
): Promise<ClusterConfig> {
  const { loadClusterConfig } = await import('../config/load.js');
  const loaded = await loadClusterConfig(file, {
    clusterName: opts.clusterName,
    workspaceName: opts.workspaceName,
    ...extra,
  });
  for (const w of loaded.warnings) reporter.warn(formatIssuePosition(w) + w.message);
  return loaded.config;
}

export async function loadWorkspace(
  file: string,
  opts: Pick<NameOverrides, 'workspaceName'>,
  reporter: Reporter,
): Promise<WorkspaceConfig> {
  const { loadWorkspaceConfig } = await import('../config/load.js');
  const loaded = await loadWorkspaceConfig(file, { workspaceName: opts.workspaceName });
  for (const w of loaded.warnings) reporter.warn(formatIssuePosition(w) + w.message);
  return loaded.config;
}

function formatIssuePosition(w: { file: string; line?: number; col?: number; path: string }): string {
  const pos = w.line !== undefined ? `${w.file}:${w.line}:${w.col ?? 1}` : w.file;
  return `${pos} ${w.path ? `${w.path}: ` : ''}`;
}

/**
 * Ask a yes/no question on a terminal. `yes` (-y) answers it. Without a terminal nobody can
 * answer, and a script that forgot -y must not remove a cluster unasked: that is a usage error.
 */
export async function confirm(
  question: string,
  yes: boolean,
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<boolean> {
  if (yes) return true;
  if (input.isTTY !== true) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `"${question}" needs an answer and there is no terminal to ask on`, {
      hint: 'pass -y (--yes) to go ahead without being asked',
    });
  }
  const rl = readline.createInterface({ input, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function formatAge(createdAt: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - createdAt) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/** The provider whose node images `cloudtik image build|list` make and show: the one whose nodes are containers. */
const IMAGE_PROVIDER = 'virtual';

/** The node-image builder of {@link IMAGE_PROVIDER}. */
export async function imageBuilder(): Promise<ImageBuilder> {
  const { loadProvider } = await import('../providers/registry.js');
  const builder = (await loadProvider(IMAGE_PROVIDER)).images;
  if (!builder) throw new Error(`provider ${IMAGE_PROVIDER} makes no node images`);
  return builder;
}

/** A hidden `cloudtik node <name>` command that provider `type`'s nodes run (see ProviderModule.nodeCommands). */
export async function providerNodeCommand(type: string, name: string): Promise<ProviderNodeCommand> {
  const { loadProvider } = await import('../providers/registry.js');
  const command = (await loadProvider(type)).nodeCommands?.[name];
  if (!command) throw new Error(`provider ${type} has no node command ${name}`);
  return command;
}
