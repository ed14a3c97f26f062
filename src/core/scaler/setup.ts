/**
 * Which workers need their setup run (again) by the controller: pure, like the rest of the scaler.
 * A worker is set up by the launch that made it; the controller sets up the others: workers it
 * adopted with no updater running (a controller restarted mid-update), and workers whose setup
 * inputs (the runtime config, the file mounts' contents) changed since their last setup.
 */
import { RERUN_REASON, RERUN_SETUP } from '../plan-update/plan.js';
import type { Decision } from './types.js';

/** One worker as the setup rule sees it (its tags, read by the caller). */
export interface SetupCandidate {
  id: string;
  nodeType: string;
  running: boolean;
  /** The `cloudtik-launch-config` label. */
  launchHash: string | undefined;
  /** The `cloudtik-node-status` tag (undefined when the node has none yet). */
  status: string | undefined;
  /** The `cloudtik-runtime-config` tag: the runtime hash of its last setup. */
  runtimeHash: string | undefined;
  /** The `cloudtik-file-mounts-contents` tag: the file mounts' hash of its last setup. */
  fileMountsHash: string | undefined;
}

export interface SetupInput {
  workers: readonly SetupCandidate[];
  /** Each worker type's current launch hash: a worker with another one is replaced, not set up. */
  launchHashes: Readonly<Record<string, string>>;
  /** Each worker type's current runtime hash. */
  runtimeHashes: Readonly<Record<string, string | undefined>>;
  fileMountsHash: string;
  /** Launches in flight, by worker type: they set up the nodes they made once their whole batch exists. */
  pending: ReadonlyMap<string, number>;
  /** Workers terminated or being updated now. */
  skip: ReadonlySet<string>;
}

/** Why `w` needs a setup now, or undefined when it does not. */
export function setupReason(w: SetupCandidate, input: Omit<SetupInput, 'workers'>): string | undefined {
  if (input.skip.has(w.id) || !w.running) return undefined;
  const launchHash = input.launchHashes[w.nodeType];
  if (launchHash === undefined || w.launchHash !== launchHash) return undefined;
  if (w.status === 'update-failed') return undefined;
  // A node of a launch still in flight: that launch sets it up once its whole batch exists.
  if ((w.status === undefined || w.status === 'uninitialized') && (input.pending.get(w.nodeType) ?? 0) > 0) {
    return undefined;
  }
  if (w.status !== 'up-to-date') return `status ${w.status ?? 'unknown'} with no updater running`;
  if (w.runtimeHash === RERUN_SETUP) return RERUN_REASON;
  if (w.runtimeHash !== input.runtimeHashes[w.nodeType]) return 'setup inputs changed';
  if (w.fileMountsHash !== input.fileMountsHash) return 'file mounts changed';
  return undefined;
}

/** The workers to set up, in the order given, each with its reason. */
export function workersToSetUp(input: SetupInput): Decision[] {
  const out: Decision[] = [];
  for (const w of input.workers) {
    const reason = setupReason(w, input);
    if (reason !== undefined) out.push({ nodeId: w.id, nodeType: w.nodeType, reason });
  }
  return out;
}

/**
 * Of the workers `start` sets up itself (`listed`: launched with the head, see
 * ControllerBootstrap.setUpByStart), those whose setup has not ended (neither `up-to-date` nor
 * `update-failed`, the two ends {@link setupReason} knows), with why: the controller leaves them
 * alone. Pass no ids once the window for it closed.
 */
export function setUpByStart(
  listed: readonly string[],
  workers: readonly Pick<SetupCandidate, 'id' | 'status'>[],
): Map<string, string> {
  const ids = new Set(listed);
  return new Map(
    workers
      .filter((w) => ids.has(w.id) && w.status !== 'up-to-date' && w.status !== 'update-failed')
      .map((w) => [w.id, 'setting up: launched with the head, set up by start']),
  );
}
