import crypto from 'node:crypto';
import { packageUrlOf } from '../../config/built-in-commands.js';
import { workerTypeNames } from '../../config/prepare.js';
import type { ClusterConfig, CommandGroup } from '../../config/types.js';
import {
  TAG,
  type NodeInfo,
  type NodeProvider,
  type NodeStatus,
  type ProviderHints,
} from '../../providers/provider.js';
import { systemClock, type Clock } from '../clock.js';
import { buildNodeScript, quote } from '../command/shell.js';
import { tailLines, type CommandRunner } from '../command/runner.js';
import { buildBatchScript, groupCommands, runBatch, type BatchCommand } from '../command/batch.js';
import { waitFor } from '../deadline.js';
import { CloudtikError, isCloudtikError } from '../errors.js';
import { runTool, toolError } from '../process.js';
import type { EventSink, NodePhase } from '../events.js';
import { encodeRuntimeConfig } from '../../runtimes/node/context.js';
import { commandsFor, runtimeSectionOf } from './hashes.js';
import { bootWaitLines, RESUME_DROP, resumeSaveCommand } from './resume.js';
import {
  commandGroupsOf,
  planNodeUpdate,
  retryPolicy,
  upToDateTags,
  type UpdateMode,
  type UpdateSteps,
} from '../plan-update/plan.js';

/** How long one readiness attempt waits for the node's boot to finish re-running its start commands. */
const BOOT_WAIT_SECONDS = 20;

export type { UpdateMode } from '../plan-update/plan.js';

export interface NodeUpdateOptions {
  provider: NodeProvider;
  node: NodeInfo;
  config: ClusterConfig;
  headIp: string;
  mode: UpdateMode;
  /** Desired `cloudtik-runtime-config` hash; setup is skipped when the node already has it. */
  runtimeHash: string;
  fileMountsHash: string;
  /** Setup even when the hashes match. */
  force?: boolean;
  /** The node's setup and launch inputs (see inputParts, encoded), recorded with the hashes. */
  inputs?: string;
  sink: EventSink;
  signal?: AbortSignal;
  clock?: Clock;
  /** Deadline for the node's first answer. */
  readyTimeoutMs: number;
  /** More environment for every command (the state store's password, ...). */
  extraEnv?: Record<string, string>;
  /**
   * Called after files and setup, before the start commands (the head's hand-over); a command it
   * returns runs first in the start commands' call (alone when there are none).
   */
  beforeStart?: () => Promise<BatchCommand | undefined>;
}

export interface NodeUpdateResult {
  node: string;
  setupSkipped: boolean;
  phases: Partial<Record<NodePhase, number>>;
}

/** `waiting-for-ssh 0.1s, setting-up 1.3s, starting 2.0s`: where a node update spent its time. */
export function formatPhases(phases: Partial<Record<NodePhase, number>>): string {
  return Object.entries(phases)
    .map(([p, ms]) => `${p} ${(ms / 1000).toFixed(1)}s`)
    .join(', ');
}

/** The environment every command on a node gets (CloudTik's names). */
export function nodeEnvironment(config: ClusterConfig, node: NodeInfo, headIp: string): Record<string, string> {
  const envs: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.runtime.envs ?? {})) envs[k] = String(v);
  const section = runtimeSectionOf(config, node);
  const types = section.types ?? config.runtime.types;
  const minWorkers = workerTypeNames(config).reduce(
    (sum, name) => sum + (config.available_node_types[name]?.min_workers ?? 0),
    0,
  );
  return {
    ...envs,
    CLOUDTIK_NODE_IP: node.ip ?? '',
    CLOUDTIK_NODE_HOST: node.id,
    CLOUDTIK_HEAD_IP: headIp,
    CLOUDTIK_HEAD_HOST: headIp,
    CLOUDTIK_NODE_ID: node.id,
    CLOUDTIK_NODE_SEQ_ID: String(node.seqId),
    CLOUDTIK_NODE_TYPE: node.nodeType,
    CLOUDTIK_NODE_KIND: node.kind,
    CLOUDTIK_PROVIDER_TYPE: config.provider.type,
    CLOUDTIK_PYTHON_VERSION: config.python_version ?? '',
    CLOUDTIK_WORKSPACE: config.workspace_name,
    CLOUDTIK_CLUSTER: config.cluster_name,
    CLOUDTIK_RUNTIMES: types.join(','),
    // What a fully started cluster has (runtimes on the head can wait for its workers to join).
    CLOUDTIK_MIN_WORKERS: String(minWorkers),
    // The prepared runtime settings, for `cloudtik runtime configure` on the node.
    CLOUDTIK_RUNTIME_CONFIG: encodeRuntimeConfig(section),
  };
}

/** One node update under way: what its steps share. */
interface UpdateRun {
  options: NodeUpdateOptions;
  clock: Clock;
  runner: CommandRunner;
  env: Record<string, string>;
  phases: Partial<Record<NodePhase, number>>;
  /** The phase running now (named by a failure). */
  phase: NodePhase;
  /** The status tags on their way, in order (see noteStatus), and the first that failed. */
  statuses: Promise<void>;
  statusError?: Error;
  /** The node's preparation, while it waits to go first in the node's first call (see foldsPreparation). */
  prelude?: string;
}

/**
 * Bring one node to `up-to-date`: wait until it answers, sync files, run setup (unless its
 * runtime hash says nothing changed) and start commands. Status is kept in the node's tags;
 * a failure leaves `update-failed` and throws an error naming the node, phase and command.
 * Which steps run is decided by planNodeUpdate (src/core/plan-update).
 */
export async function updateNode(options: NodeUpdateOptions): Promise<NodeUpdateResult> {
  const { provider, node, config, sink } = options;
  const clock = options.clock ?? systemClock;
  const r: UpdateRun = {
    options,
    clock,
    runner: provider.commandRunner(node),
    phases: {},
    env: { ...nodeEnvironment(config, node, options.headIp), ...options.extraEnv },
    phase: 'waiting-for-ssh',
    statuses: Promise.resolve(),
  };
  const groups = commandGroupsOf(commandsFor(config, node.nodeType), node.kind);
  const started = clock.now();
  const steps = planNodeUpdate({
    mode: options.mode,
    force: options.force === true,
    tags: node.tags,
    runtimeHash: options.runtimeHash,
    fileMountsHash: options.fileMountsHash,
    fileMounts: Object.keys(config.file_mounts).length,
  });
  try {
    const prepare = preparationScript(config.auth.ssh_user, {
      dropResume: steps.setup,
      resumes: provider.nodesNeverResume !== true,
    });
    const fold = foldsPreparation({
      runsPrelude: r.runner.runsPrelude === true,
      running: node.running,
      syncFiles: steps.syncFiles,
      prepareNode: provider.prepareNode !== undefined,
      setupCommands: steps.setup ? groupCommands(groups.setup).length : 0,
      start: steps.start,
    });
    noteStatus(r, 'waiting-for-ssh', { idle: fold });
    if (fold) {
      r.prelude = prepare;
      phaseEvent(r, 'waiting-for-ssh', { state: 'skip', detail: 'prepared in its first call' });
    } else {
      await runPhase(r, 'waiting-for-ssh', () =>
        waitForNode(r.runner, prepare, { ...options, clock, hints: provider.hints }),
      );
    }
    if (steps.setup) await setUp(r, steps, groups);
    else phaseEvent(r, 'setting-up', { state: 'skip', detail: steps.skipped });
    const first = await options.beforeStart?.();
    const before = first ? [first] : [];
    if (steps.start) {
      // The resume script is saved by the start's own call, after its last command succeeded.
      const after = provider.nodesNeverResume
        ? []
        : [resumeSave(config.auth.ssh_user, { groups: groups.start, env: r.env })];
      await runPhase(r, 'starting', () =>
        runGroups(r, groups.start, config.options.retry_start_command, { before, after }),
      );
    } else if (first) {
      await runGroups(r, [], false, { before });
    }
    const { runtimeHash, fileMountsHash, inputs } = options;
    await statusesSet(r);
    await setStatus(r, 'up-to-date', upToDateTags(steps, { runtimeHash, fileMountsHash, inputs, now: clock.now() }));
    sink({ type: 'node-status', node: node.id, kind: node.kind, status: 'up-to-date', ms: clock.now() - started });
    return { node: node.id, setupSkipped: !steps.setup, phases: r.phases };
  } catch (err) {
    return failUpdate(r, err);
  }
}

function setStatus(r: UpdateRun, status: NodeStatus, extra: Record<string, string> = {}): Promise<void> {
  return r.options.provider.setTags(r.options.node.id, { [TAG.nodeStatus]: status, ...extra });
}

/**
 * Set a status on the way (waiting, setting up) without waiting for it: it goes after the ones
 * before it, while the update goes on (a tag is an API call on some providers, on the start's
 * path). The end status waits for them (see statusesSet). A new node (`uninitialized`) is not
 * given the status of an `idle` phase, one with nothing to wait for or run (a preparation folded
 * into the first call, a setup with no commands): it counts as not up either way, and each status is an
 * API write (on Kubernetes a pod patch, which the kubelet and every watch then process too,
 * while the cluster's pods start on the same cores). Other nodes get every status: it is what
 * stops them counting as up-to-date while they are updated.
 */
function noteStatus(r: UpdateRun, status: NodeStatus, phase: { idle?: boolean } = {}): void {
  if (phase.idle === true && (r.options.node.tags[TAG.nodeStatus] ?? 'uninitialized') === 'uninitialized') return;
  r.statuses = r.statuses
    .then(() => (r.statusError === undefined ? setStatus(r, status) : undefined))
    .catch((err: unknown) => {
      r.statusError ??= err instanceof Error ? err : new Error(String(err));
    });
}

/** Wait for the statuses on their way; throw the first one's failure. */
async function statusesSet(r: UpdateRun): Promise<void> {
  await r.statuses;
  if (r.statusError !== undefined) throw r.statusError;
}

function phaseEvent(
  r: UpdateRun,
  phase: NodePhase,
  e: { state: 'start' | 'done' | 'skip' | 'fail'; ms?: number; detail?: string },
): void {
  const { node, sink } = r.options;
  sink({ type: 'node-phase', node: node.id, kind: node.kind, phase, ...e });
}

async function runPhase<T>(r: UpdateRun, p: NodePhase, fn: () => Promise<T>): Promise<T> {
  r.phase = p;
  const t0 = r.clock.now();
  phaseEvent(r, p, { state: 'start' });
  const result = await fn();
  r.phases[p] = r.clock.now() - t0;
  phaseEvent(r, p, { state: 'done', ms: r.phases[p] });
  return result;
}

/**
 * The preparation with the root scripts of the commands at the head of `before` added to it (see
 * BatchCommand.rootScript), each as root runs it for `user`: it runs as root already, so those skip
 * a sudo (and the shell, the user's profile and the environment each command of the call gets).
 * They keep their order: they come first in the call anyway. Pure.
 */
export function withRootParts(
  prelude: string,
  before: readonly BatchCommand[],
  user: string,
): { prelude: string; before: BatchCommand[]; folded: BatchCommand[] } {
  const n = before.findIndex((c) => c.rootScript === undefined);
  const folded = before.slice(0, n < 0 ? before.length : n);
  // Each in a shell of its own: a `set -e` in it holds (in a subshell of the preparation, which
  // runs on the left of an ||, it would not).
  const parts = folded.map((c) => {
    const script = c.rootScript ?? '';
    let end = 'CLOUDTIK_ROOT';
    while (script.includes(end)) end += '_';
    return `SUDO_USER=${quote(user)} bash -s <<'${end}' || exit $?\n${script}\n${end}`;
  });
  return { prelude: [prelude, ...parts].join('\n'), before: before.slice(folded.length), folded };
}

/**
 * Run command groups in order, between `before` and `after` (in the same call); `retry` turns on
 * CloudTik's bounded retries for each command.
 */
async function runGroups(
  r: UpdateRun,
  groups: CommandGroup[],
  retry: boolean | undefined,
  extra: { before?: BatchCommand[]; after?: BatchCommand[] } = {},
): Promise<void> {
  const { retries, intervalMs } = retryPolicy(r.options.config.options, retry);
  // The preparation goes with the first call that runs anything.
  const calls = groupCommands(groups).length + (extra.before?.length ?? 0) + (extra.after?.length ?? 0) > 0;
  const { node, config, sink } = r.options;
  const prepared =
    calls && r.prelude !== undefined ? withRootParts(r.prelude, extra.before ?? [], config.auth.ssh_user) : undefined;
  if (calls) r.prelude = undefined;
  for (const c of prepared?.folded ?? []) {
    const message = `[${node.id}] (${c.group}) ${c.label ?? c.command} (with the node's preparation)`;
    sink({ type: 'log', level: 'debug', message });
  }
  await runCommandGroups(r.runner, groups, {
    ...extra,
    before: prepared?.before ?? extra.before,
    prelude: prepared?.prelude,
    preparing: prepared?.folded.map((c) => c.label ?? c.command),
    env: r.env,
    node: r.options.node.id,
    sink: r.options.sink,
    signal: r.options.signal,
    retries,
    clock: r.clock,
    intervalMs,
  });
}

/** The setup steps: the file mounts, the provider's preparation, initialization and setup commands. */
async function setUp(
  r: UpdateRun,
  steps: UpdateSteps,
  groups: { initialization: CommandGroup[]; setup: CommandGroup[] },
): Promise<void> {
  const { provider, node, config, sink, signal } = r.options;
  if (steps.syncFiles) {
    noteStatus(r, 'syncing-files');
    await runPhase(r, 'syncing-files', async () => {
      for (const [remote, local] of Object.entries(config.file_mounts)) await r.runner.upload(local, remote);
    });
  }
  const idle =
    provider.prepareNode === undefined &&
    groups.initialization.length === 0 &&
    groupCommands(groups.setup).length === 0;
  noteStatus(r, 'setting-up', { idle });
  await runPhase(r, 'setting-up', async () => {
    await provider.prepareNode?.(node, {
      runner: r.runner,
      nodeConfig: config.available_node_types[node.nodeType]?.node_config ?? {},
      runtimes: runtimeSectionOf(config, node).types ?? [],
      packageUrl: packageUrlOf(config),
      sink,
      signal,
    });
    for (const group of groups.initialization) await runLocalGroup(group, { env: r.env, node: node.id, sink, signal });
    await runGroups(r, groups.setup, config.options.retry_setup_command);
  });
}

/** Leave `update-failed` on the node, say which phase failed, and throw an error naming the node. */
async function failUpdate(r: UpdateRun, err: unknown): Promise<never> {
  const { node } = r.options;
  await r.statuses;
  await setStatus(r, 'update-failed').catch(() => undefined);
  phaseEvent(r, r.phase, { state: 'fail', detail: err instanceof Error ? err.message : String(err) });
  if (isCloudtikError(err)) throw err;
  throw new CloudtikError(
    'ERR_CLOUDTIK_NODE_UPDATE',
    `${node.kind} node ${node.id} failed while ${r.phase}: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}

/**
 * Keep the start commands, with the node's environment, for the node's boot to re-run when the
 * container starts again (see resume.ts): a command that ends the start's own call.
 */
function resumeSave(
  user: string,
  start: { groups: readonly CommandGroup[]; env: Record<string, string> },
): BatchCommand {
  const commands = groupCommands(start.groups).map((c) => c.command);
  const script = buildBatchScript(commands, { env: start.env, nonce: crypto.randomBytes(6).toString('hex') });
  return {
    group: 'cloudtik',
    command: resumeSaveCommand(user, script, crypto.randomBytes(6).toString('hex')),
    // The script carries the node's environment (the state store's password among it).
    label: "save the start commands for the node's boot",
  };
}

/**
 * A node's preparation, run as root: the ssh user exists with passwordless sudo, and owns its
 * data disks; on nodes that can resume (`resumes`: a container that starts again with its files),
 * the node's boot has finished re-running its start commands (after a restart), and before a new
 * setup (`dropResume`), its resume script is dropped. A node that never resumes has nothing to wait
 * for or drop (its boot only notes that). Pure.
 */
export function preparationScript(user: string, o: { dropResume: boolean; resumes: boolean }): string {
  const u = quote(user);
  const sudoers = quote(`/etc/sudoers.d/${user}`);
  return [
    `id -u ${u} >/dev/null 2>&1 || useradd -m -s /bin/bash ${u}`,
    `[ -f ${sudoers} ] || { echo ${quote(`${user} ALL=(ALL) NOPASSWD:ALL`)} > ${sudoers}; chmod 0440 ${sudoers}; }`,
    `for d in /mnt/cloudtik/data_disk_*; do [ -d "$d" ] && chown ${u}: "$d"; done; true`,
    ...(o.resumes ? [bootWaitLines(BOOT_WAIT_SECONDS)] : []),
    ...(o.resumes && o.dropResume ? [RESUME_DROP] : []),
  ].join('\n');
}

/**
 * Whether a node's preparation goes first in its first call of commands instead of a call of its
 * own (one exec less on its way up): the runner's calls start as root, the provider lists the node
 * as running (a call reaches it at once: no waiting for it to answer), nothing reaches the node
 * before that call (no files to copy, no provider preparation), and there is such a call. Pure.
 */
export function foldsPreparation(o: {
  runsPrelude: boolean;
  running: boolean;
  syncFiles: boolean;
  prepareNode: boolean;
  setupCommands: number;
  start: boolean;
}): boolean {
  return o.runsPrelude && o.running && !o.syncFiles && !o.prepareNode && (o.setupCommands > 0 || o.start);
}

/** Wait until the node runs commands, and prepare it (`prepare`, see preparationScript) in the same call. */
async function waitForNode(
  runner: CommandRunner,
  prepare: string,
  options: {
    readyTimeoutMs: number;
    clock: Clock;
    signal?: AbortSignal;
    node: NodeInfo;
    hints?: ProviderHints;
  },
): Promise<void> {
  let last = '';
  let attempt = 0;
  await waitFor(
    async () => {
      try {
        const r = await runner.run({ command: prepare, asRoot: true, signal: options.signal });
        if (r.exitCode === 0) return true;
        last = `exit ${r.exitCode}: ${tailLines(r.stderr + r.stdout, 5).join(' | ')}`;
      } catch (err) {
        // An SSH runner already retried within its own deadline; what it reports is final.
        if (isCloudtikError(err) && (err.code === 'ERR_CLOUDTIK_INTERRUPTED' || err.code === 'ERR_CLOUDTIK_SSH'))
          throw err;
        last = err instanceof Error ? err.message : String(err);
      }
      return undefined;
    },
    {
      what: `node ${options.node.id} to answer commands`,
      ms: options.readyTimeoutMs,
      clock: options.clock,
      signal: options.signal,
      pauseMs: () => Math.min(50 * 2 ** attempt++, 1000),
      expired: () =>
        new CloudtikError(
          'ERR_CLOUDTIK_TIMEOUT',
          `node ${options.node.id} did not answer commands within ${Math.round(options.readyTimeoutMs / 1000)} s`,
          {
            details: [`last attempt: ${last}`],
            hint:
              options.hints?.inspectNode(options.node.id) ??
              'try it by hand: cloudtik exec <cluster.yaml> --node-ip <ip> true',
          },
        ),
    },
  );
}

export interface GroupOptions {
  env: Record<string, string>;
  node: string;
  sink: EventSink;
  signal?: AbortSignal;
  retries: number;
  intervalMs: number;
  clock: Clock;
  /** How each command is announced as it starts (default `debug`: `start` shows phases instead). */
  announce?: 'debug' | 'info';
  /** Commands run before and after the groups' in the same call (not part of any group). */
  before?: readonly BatchCommand[];
  after?: readonly BatchCommand[];
  /** The node's preparation, first in the first call (see foldsPreparation). */
  prelude?: string;
  /** What the preparation does beside preparing the node, for its error (see withRootParts). */
  preparing?: readonly string[];
}

/**
 * Run command groups on a node in order, in as few calls as possible (see runBatch): after a
 * failure, the failed command is retried up to `retries` times, then the rest go on.
 */
export async function runCommandGroups(
  runner: CommandRunner,
  groups: readonly CommandGroup[],
  options: GroupOptions,
): Promise<void> {
  const commands = [...(options.before ?? []), ...groupCommands(groups), ...(options.after ?? [])];
  let next = 0;
  let attempt = 0;
  let prelude = options.prelude;
  while (next < commands.length) {
    const pending = commands.slice(next);
    const { failures, preparation } = await runBatch(runner, pending, {
      env: options.env,
      signal: options.signal,
      prelude,
      onCommand: (i) => {
        const c = pending[i];
        if (c) {
          const message = `[${options.node}] (${c.group}) ${c.label ?? c.command}`;
          options.sink({ type: 'log', level: options.announce ?? 'debug', message });
        }
      },
      onStdout: (text) => options.sink({ type: 'command-output', node: options.node, stream: 'stdout', text }),
      onStderr: (text) => options.sink({ type: 'command-output', node: options.node, stream: 'stderr', text }),
    });
    if (preparation) throw preparationError(options.node, preparation, runner, options.preparing ?? []);
    prelude = undefined;
    const failure = failures[0];
    if (!failure) return;
    const failed = next + failure.index;
    const c: BatchCommand = commands[failed] ?? { group: '?', command: '?' };
    if (failed !== next) attempt = 0;
    next = failed;
    if (attempt < options.retries) {
      attempt++;
      options.sink({
        type: 'log',
        level: 'warn',
        message: `[${options.node}] command failed (exit ${failure.exitCode}), retrying (${attempt}/${options.retries}): ${c.label ?? c.command}`,
      });
      await options.clock.sleep(options.intervalMs, options.signal);
      continue;
    }
    throw new CloudtikError(
      'ERR_CLOUDTIK_NODE_COMMAND',
      `command failed on node ${options.node} (exit ${failure.exitCode}, group ${c.group}): ${c.label ?? c.command}`,
      {
        details: failure.output,
        hint: failure.output.some((line) => /unknown command 'batch'/.test(line))
          ? "the node's cloudtik is older than this one (it has no `cloudtik node batch`): rebuild the node images with `cloudtik image build`, or install this version on the nodes (cloudtik_package_url)"
          : `reproduce by hand: cloudtik exec <cluster.yaml> --node-ip <ip> '<command>' (or ${runner.interactiveShellArgv().join(' ')})`,
      },
    );
  }
}

function preparationError(
  node: string,
  preparation: { exitCode: number; output: string[] },
  runner: CommandRunner,
  also: readonly string[],
): CloudtikError {
  const what = ['its user, sudo, data disks, the wait for its boot', ...also].join('; ');
  return new CloudtikError(
    'ERR_CLOUDTIK_NODE_COMMAND',
    `could not prepare node ${node} (${what}): exit ${preparation.exitCode}`,
    {
      details: preparation.output,
      hint: `look at the node: cloudtik exec <cluster.yaml> --node-ip <ip> true (or ${runner.interactiveShellArgv().join(' ')})`,
    },
  );
}

/** Initialization commands run on the host that runs the containers, like CloudTik does. */
async function runLocalGroup(
  group: CommandGroup,
  options: Omit<GroupOptions, 'retries' | 'intervalMs' | 'clock'>,
): Promise<void> {
  for (const command of group.commands) {
    const script = buildNodeScript({ command, env: options.env });
    const result = await runTool('bash', ['-c', script], { signal: options.signal, tailLines: 20 });
    if (result.code !== 0) {
      throw toolError(result, {
        code: 'ERR_CLOUDTIK_NODE_COMMAND',
        what: `initialization command for node ${options.node} on this host`,
        command,
      });
    }
  }
}
