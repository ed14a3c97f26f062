/**
 * Which steps a node update runs, decided before it runs them: pure, from the node's tags and
 * what `start` asked for. The updater (src/core/updater/node-updater.ts) runs the steps.
 */
import type { CommandGroup, MergedCommands } from '../../config/types.js';
import type { NodeKind } from '../../providers/provider.js';
import { TAG } from '../../providers/provider.js';

/**
 * The runtime-config tag of a node whose setup `start --rerun-setup` asked for: it matches no
 * hash, so the node is set up again (by the head's controller, for a worker) without being replaced.
 */
export const RERUN_SETUP = 'rerun-requested';

/** Why such a node is set up again. */
export const RERUN_REASON = 'setup re-run requested';

/** What `start` asked for: setup and start (full), start only, or setup only. */
export type UpdateMode = 'full' | 'restart-only' | 'no-restart';

export interface UpdateStepsInput {
  mode: UpdateMode;
  /** Setup even when the hashes match. */
  force: boolean;
  /** The node's tags as listed. */
  tags: Readonly<Record<string, string>>;
  /** The runtime and file mounts hashes the node must end with. */
  runtimeHash: string;
  fileMountsHash: string;
  /** How many file mounts the config has. */
  fileMounts: number;
}

export interface UpdateSteps {
  /** The node's last setup had these same inputs (and no setup is forced). */
  upToDate: boolean;
  /** Run the setup (files, the provider's node preparation, initialization and setup commands). */
  setup: boolean;
  /** Copy the file mounts (part of the setup, only when there are any). */
  syncFiles: boolean;
  /** Why the setup is skipped, as the skipped phase says; undefined when it runs. */
  skipped: 'no change' | 'restart only' | undefined;
  /** Run the start commands (and keep them for the node's boot to re-run). */
  start: boolean;
  /** Record the hashes of the setup inputs with `up-to-date` (the node has them now). */
  recordHashes: boolean;
  /** Record the time of the setup with `up-to-date` (a new setup, or a node that never had the tag). */
  recordSetupAt: boolean;
}

export function planNodeUpdate(input: UpdateStepsInput): UpdateSteps {
  const upToDate =
    !input.force &&
    input.tags[TAG.runtimeConfig] === input.runtimeHash &&
    input.tags[TAG.fileMountsContents] === input.fileMountsHash;
  const setup = input.mode !== 'restart-only' && !upToDate;
  return {
    upToDate,
    setup,
    syncFiles: setup && input.fileMounts > 0,
    skipped: setup ? undefined : upToDate ? 'no change' : 'restart only',
    start: input.mode !== 'no-restart',
    recordHashes: setup || upToDate,
    recordSetupAt: setup || input.tags[TAG.setupAt] === undefined,
  };
}

/** The tags written with the final `up-to-date` status. */
export function upToDateTags(
  steps: UpdateSteps,
  done: { runtimeHash: string; fileMountsHash: string; now: number; inputs?: string },
): Record<string, string> {
  return {
    ...(steps.recordHashes
      ? { [TAG.runtimeConfig]: done.runtimeHash, [TAG.fileMountsContents]: done.fileMountsHash }
      : {}),
    ...(steps.recordHashes && done.inputs !== undefined ? { [TAG.setupInputs]: done.inputs } : {}),
    ...(steps.recordSetupAt ? { [TAG.setupAt]: String(done.now) } : {}),
  };
}

/** The command groups a node of this kind runs, by step. */
export function commandGroupsOf(
  commands: MergedCommands,
  kind: NodeKind,
): { initialization: CommandGroup[]; setup: CommandGroup[]; start: CommandGroup[] } {
  const head = kind === 'head';
  return {
    initialization: head ? commands.head_initialization_commands : commands.worker_initialization_commands,
    setup: head ? commands.head_setup_commands : commands.worker_setup_commands,
    start: head ? commands.head_start_commands : commands.worker_start_commands,
  };
}

/** CloudTik's bounded retries of each command of a step, when the step's `retry_*_command` option is on. */
export function retryPolicy(
  options: { number_of_retries?: number; retry_interval?: number },
  retry: boolean | undefined,
): { retries: number; intervalMs: number } {
  return {
    retries: retry ? (options.number_of_retries ?? 3) : 0,
    intervalMs: (options.retry_interval ?? 1) * 1000,
  };
}
