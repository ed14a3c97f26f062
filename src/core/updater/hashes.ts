import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { sha1Hex, stableStringify } from '../../config/hash.js';
import type { ClusterConfig, MergedCommands } from '../../config/types.js';
import type { NodeKind } from '../../providers/provider.js';

/**
 * Hash of what a node is launched with: its node config, the auth section and the image. A node
 * whose label differs from this is outdated and gets replaced.
 */
export function launchHash(config: ClusterConfig, nodeType: string, image: string): string {
  const nodeConfig = config.available_node_types[nodeType]?.node_config ?? {};
  return sha1Hex(stableStringify({ node_config: nodeConfig, auth: config.auth, image }));
}

/** The merged commands that apply to nodes of a type (its own when it has them). */
export function commandsFor(config: ClusterConfig, nodeType: string): MergedCommands {
  return config.available_node_types[nodeType]?.merged_commands ?? config.merged_commands;
}

/** The `runtime` section in effect on a node: a worker type's own (prepared for it), else the cluster's. */
export function runtimeSectionOf(
  config: ClusterConfig,
  node: { kind: string; nodeType: string },
): { types?: string[]; [key: string]: unknown } {
  return (node.kind === 'worker' ? config.available_node_types[node.nodeType]?.runtime : undefined) ?? config.runtime;
}

/**
 * Hash of what a node is set up with: setup commands, runtime section, file mounts and the
 * package to install. Start commands are not part of it: they run on every `start`.
 * When it equals the node's `cloudtik-runtime-config` tag, setup is skipped.
 */
export function runtimeHash(config: ClusterConfig, kind: NodeKind, nodeType: string): string {
  const commands = commandsFor(config, nodeType);
  const typeRuntime = config.available_node_types[nodeType]?.runtime;
  return sha1Hex(
    stableStringify({
      initialization: kind === 'head' ? commands.head_initialization_commands : commands.worker_initialization_commands,
      setup: kind === 'head' ? commands.head_setup_commands : commands.worker_setup_commands,
      runtime: config.runtime,
      type_runtime: typeRuntime ?? null,
      file_mounts: config.file_mounts,
      cluster_synced_files: config.cluster_synced_files,
      package: config.cloudtik_package_url ?? config.cloudtik_wheel_url ?? null,
    }),
  );
}

/**
 * Hash of the contents of every local file-mount source (paths, modes and bytes, walked in
 * sorted order so the result does not depend on the file system's listing order).
 */
export async function fileMountsContentsHash(fileMounts: Record<string, string>): Promise<string> {
  const h = crypto.createHash('sha1');
  for (const remote of Object.keys(fileMounts).sort()) {
    const local = fileMounts[remote] as string;
    h.update(`mount\0${remote}\0`);
    await hashPath(h, local, '');
  }
  return h.digest('hex');
}

async function hashPath(h: crypto.Hash, root: string, rel: string): Promise<void> {
  const full = path.join(root, rel);
  const stat = await fsp.lstat(full).catch(() => undefined);
  if (!stat) {
    h.update(`missing\0${rel}\0`);
    return;
  }
  if (stat.isDirectory()) {
    h.update(`dir\0${rel}\0${stat.mode & 0o777}\0`);
    const entries = (await fsp.readdir(full)).sort();
    for (const e of entries) await hashPath(h, root, path.join(rel, e));
  } else if (stat.isSymbolicLink()) {
    h.update(`link\0${rel}\0${await fsp.readlink(full)}\0`);
  } else {
    h.update(`file\0${rel}\0${stat.mode & 0o777}\0`);
    h.update(await fsp.readFile(full));
  }
}

/**
 * What a node was set up and launched with, one short hash per input, so that a later plan can
 * name which inputs changed (the runtime and launch hashes only say that something did). Kept in
 * the node's `cloudtik-setup-inputs` tag; the names are the ones plans print.
 */
export type InputParts = Record<string, string>;

/** Setup inputs, in the order plans list them. */
export const SETUP_INPUTS = [
  'initialization commands',
  'setup commands',
  'runtime config',
  'file mounts',
  'file mount contents',
  'package',
] as const;

/** Launch inputs (what the launch hash is made of). */
export const LAUNCH_INPUTS = ['node config', 'auth', 'image'] as const;

const short = (value: unknown): string => sha1Hex(stableStringify(value ?? null)).slice(0, 10);

/** The short hash of each setup and launch input of a node of this kind and type. */
export function inputParts(
  config: ClusterConfig,
  node: { kind: NodeKind; nodeType: string },
  current: { image: string; fileMountsHash: string },
): InputParts {
  const commands = commandsFor(config, node.nodeType);
  const head = node.kind === 'head';
  return {
    'initialization commands': short(
      head ? commands.head_initialization_commands : commands.worker_initialization_commands,
    ),
    'setup commands': short(head ? commands.head_setup_commands : commands.worker_setup_commands),
    'runtime config': short({ runtime: config.runtime, type: config.available_node_types[node.nodeType]?.runtime }),
    'file mounts': short({ mounts: config.file_mounts, synced: config.cluster_synced_files }),
    'file mount contents': current.fileMountsHash.slice(0, 10),
    package: short(config.cloudtik_package_url ?? config.cloudtik_wheel_url),
    'node config': short(config.available_node_types[node.nodeType]?.node_config),
    auth: short(config.auth),
    image: short(current.image),
  };
}

/** `name=hash;name=hash`: a tag value (tags are strings). */
export function encodeInputParts(parts: InputParts): string {
  return Object.entries(parts)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}

/** The parts of a `cloudtik-setup-inputs` tag; undefined when the node has none (set up before it existed). */
export function decodeInputParts(tag: string | undefined): InputParts | undefined {
  if (tag === undefined || tag === '') return undefined;
  const parts: InputParts = {};
  for (const item of tag.split(';')) {
    const eq = item.indexOf('=');
    if (eq > 0) parts[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return parts;
}

/** The inputs among `names` whose hash differs between what the node recorded and now, in that order. */
export function changedInputs(
  before: InputParts | undefined,
  now: InputParts,
  names: readonly string[],
): string[] | undefined {
  if (!before) return undefined;
  return names.filter((n) => before[n] !== now[n]);
}
