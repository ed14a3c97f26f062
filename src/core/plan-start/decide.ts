/**
 * What `cloudtik start` will do to each node, and why, decided from the config and one look at
 * the cluster: pure. `start` acts on the head's part itself; the workers' part is what the head's
 * controller will decide with the same scaler functions once it has the new config (planPass,
 * setupReason). `cloudtik plan` (and `start --plan`) prints the same result, so what a plan says
 * and what `start` then does cannot drift apart.
 */
import type { ClusterConfig } from '../../config/types.js';
import { TAG, type NodeInfo, type NodeKind } from '../../providers/provider.js';
import { planNodeUpdate, RERUN_REASON, RERUN_SETUP, type UpdateMode } from '../plan-update/plan.js';
import { scalerConfigOf } from '../scaler/config.js';
import { toScalerNode } from '../scaler/observe.js';
import { planPass } from '../scaler/plan.js';
import { setupReason } from '../scaler/setup.js';
import {
  changedInputs,
  decodeInputParts,
  LAUNCH_INPUTS,
  SETUP_INPUTS,
  inputParts,
  runtimeHash,
  type InputParts,
} from '../updater/hashes.js';
import { planHead, type HeadPlan, type StartPlan } from './plan.js';

/** What happens to one node. */
export type NodeAction = 'create' | 'setup' | 'restart' | 'replace' | 'resume' | 'terminate' | 'nothing';

export interface NodeStep {
  /** The node's id; absent for nodes to create. */
  node?: string;
  ip?: string;
  kind: NodeKind;
  nodeType: string;
  action: NodeAction;
  /** How many nodes a `create` makes. */
  count?: number;
  reason: string;
  /** The setup inputs (setup) or launch inputs (replace) that changed; absent when the node has no record of them. */
  changed?: string[];
  /** Who acts: `start` itself (the head), or the head's controller once it has the new config (workers). */
  by: 'start' | 'controller';
}

/** Something the cluster needs besides its nodes. */
export interface ClusterStep {
  kind: 'workspace' | 'image';
  name: string;
  action: 'build' | 'missing';
  reason: string;
}

/** Which nodes `--rerun-setup` names: every node, or those with these addresses. */
export interface RerunTargets {
  all: boolean;
  ips: readonly string[];
}

/** What one type's nodes must end with: the hashes setup records and the inputs behind them. */
export interface TypeTarget {
  runtimeHash: string;
  launchHash: string;
  inputs: InputParts;
}

export interface DecideInput {
  config: ClusterConfig;
  mode: UpdateMode;
  /** Every node of the cluster as listed. */
  nodes: readonly NodeInfo[];
  head: TypeTarget;
  /** Each worker type's target, as the head's controller will see it. */
  workers: Readonly<Record<string, TypeTarget>>;
  fileMountsHash: string;
  rerun?: RerunTargets;
  workspaceExists: boolean;
  /** Planned images the engine does not have: built first, or refused when cloudtik cannot build them. */
  missingImages: readonly { ref: string; buildable: boolean }[];
  now: number;
}

export interface StartDecision {
  cluster: string;
  workspace: string;
  mode: UpdateMode;
  items: ClusterStep[];
  nodes: NodeStep[];
  /** The head start keeps (or starts again) and retires, as it acts on it. */
  headPlan: HeadPlan;
  /** Run the kept head's setup even though its inputs did not change. */
  forceHeadSetup: boolean;
  /** Workers whose setup is re-run on request (their runtime tag is set to RERUN_SETUP). */
  rerunWorkers: string[];
  /** Addresses `--node-ip` named that no node of the cluster has. */
  unknownIps: string[];
}

/** Decide the whole start; see the module comment. */
export function decideStart(input: DecideInput): StartDecision {
  const { config } = input;
  const headPlan = planHead(config, [...input.nodes], input.head.launchHash);
  const forceHeadSetup = headPlan.head !== undefined && isTarget(headPlan.head, input.rerun);
  const workers = workerSteps(input, headPlan.head === undefined);
  return {
    cluster: config.cluster_name,
    workspace: config.workspace_name,
    mode: input.mode,
    items: clusterSteps(input),
    nodes: [...headSteps(input, headPlan, forceHeadSetup), ...workers],
    headPlan,
    forceHeadSetup,
    rerunWorkers: workers.filter((s) => s.reason === REASON_RERUN).map((s) => s.node as string),
    unknownIps: (input.rerun?.ips ?? []).filter((ip) => !input.nodes.some((n) => n.ip === ip)),
  };
}

const REASON_RERUN = RERUN_REASON;

function isTarget(node: NodeInfo, rerun: RerunTargets | undefined): boolean {
  if (!rerun) return false;
  return rerun.all || (node.ip !== undefined && rerun.ips.includes(node.ip));
}

function clusterSteps(input: DecideInput): ClusterStep[] {
  const items: ClusterStep[] = [];
  if (!input.workspaceExists) {
    items.push({
      kind: 'workspace',
      name: input.config.workspace_name,
      action: 'missing',
      reason: 'start stops here: create it first with cloudtik workspace create <workspace.yaml>',
    });
  }
  for (const image of input.missingImages) {
    items.push(
      image.buildable
        ? { kind: 'image', name: image.ref, action: 'build', reason: 'not in the engine' }
        : {
            kind: 'image',
            name: image.ref,
            action: 'missing',
            reason: 'not in the engine, and cloudtik cannot build it (images are never pulled): start stops here',
          },
    );
  }
  return items;
}

function nodeOf(n: NodeInfo): Pick<NodeStep, 'node' | 'ip' | 'kind' | 'nodeType'> {
  return { node: n.id, ip: n.ip, kind: n.kind, nodeType: n.nodeType };
}

function launchChanges(n: NodeInfo, target: TypeTarget): string[] | undefined {
  return changedInputs(decodeInputParts(n.tags[TAG.setupInputs]), target.inputs, LAUNCH_INPUTS);
}

/** The head's steps: retired heads, then the kept one's update, or the new one. */
function headSteps(input: DecideInput, headPlan: HeadPlan, force: boolean): NodeStep[] {
  const { config } = input;
  const steps: NodeStep[] = [];
  let replaced = false;
  for (const h of headPlan.terminate) {
    const outdated = h.nodeType === config.head_node_type && h.tags[TAG.launchConfig] !== input.head.launchHash;
    if (!headPlan.head && !replaced && outdated) {
      replaced = true;
      const changed = launchChanges(h, input.head);
      steps.push({ ...nodeOf(h), action: 'replace', reason: 'outdated launch config', changed, by: 'start' });
    } else {
      const reason = outdated ? 'outdated launch config' : !h.running ? 'not running' : 'another head is kept';
      steps.push({ ...nodeOf(h), action: 'terminate', reason, by: 'start' });
    }
  }
  const kept = headPlan.head;
  if (!kept) {
    if (!replaced) {
      const type = config.head_node_type;
      steps.push({ kind: 'head', nodeType: type, action: 'create', count: 1, reason: 'no head', by: 'start' });
    }
    return steps;
  }
  steps.push({ ...nodeOf(kept), ...keptHeadStep(input, kept, headPlan.resume, force), by: 'start' });
  return steps;
}

function keptHeadStep(
  input: DecideInput,
  head: NodeInfo,
  resume: boolean,
  force: boolean,
): Pick<NodeStep, 'action' | 'reason' | 'changed'> {
  const steps = planNodeUpdate({
    mode: input.mode,
    force,
    tags: head.tags,
    runtimeHash: input.head.runtimeHash,
    fileMountsHash: input.fileMountsHash,
    fileMounts: Object.keys(input.config.file_mounts).length,
  });
  const then = steps.setup ? ', then set up' : steps.start ? ', then its services start' : '';
  if (resume) return { action: 'resume', reason: `stopped after a finished setup: started again${then}` };
  if (steps.setup) {
    if (force) return { action: 'setup', reason: REASON_RERUN };
    const changed = changedInputs(decodeInputParts(head.tags[TAG.setupInputs]), input.head.inputs, SETUP_INPUTS);
    return { action: 'setup', reason: 'setup inputs changed', changed };
  }
  if (steps.start) {
    const why = steps.upToDate ? 'setup inputs unchanged' : 'setup skipped (--restart-only)';
    return { action: 'restart', reason: `${why}; start commands run on every start` };
  }
  return { action: 'nothing', reason: 'setup inputs unchanged; --no-restart' };
}

/**
 * The workers' steps, as the head's controller will take them (see planPass and setupReason).
 * Under a new head, workers that stay as they are send their heartbeats to the old one: the new
 * head's controller re-runs their start commands once the heartbeat timeout passes (recover).
 */
function workerSteps(input: DecideInput, newHead: boolean): NodeStep[] {
  const { config } = input;
  const listed = input.nodes.filter((n) => n.kind === 'worker');
  const launchHashes = Object.fromEntries(Object.entries(input.workers).map(([t, w]) => [t, w.launchHash]));
  const pass = planPass({
    config: scalerConfigOf(config, { launchHashes }),
    workers: listed.map((n) => toScalerNode(n)),
    pending: {},
    requests: [],
    demands: [],
    updating: new Set(),
    blockedTypes: {},
    now: input.now,
    // A fresh look: nothing counts as idle or silent yet, as on the controller's first pass.
    memory: { lastUsedAt: new Map(), startedAt: input.now },
  });
  const launches = new Map<string, number>();
  for (const l of pass.launch) launches.set(l.nodeType, (launches.get(l.nodeType) ?? 0) + l.count);
  const gone = new Map(pass.terminate.map((d) => [d.nodeId as string, d.reason]));
  const resumed = new Set(pass.resume.map((d) => d.nodeId));
  const steps = listed.map((w) => {
    const step = workerStep(input, w, { gone, resumed, launches });
    if (!newHead || step.action !== 'nothing' || w.tags[TAG.nodeStatus] !== 'up-to-date') return step;
    return { ...step, action: 'restart' as const, reason: 'a new head: its start commands run again (recover)' };
  });
  for (const [nodeType, count] of launches) {
    if (count > 0) {
      const reason = pass.launch.find((l) => l.nodeType === nodeType)?.reason ?? 'min_workers';
      steps.push({ kind: 'worker', nodeType, action: 'create', count, reason, by: 'controller' });
    }
  }
  return steps;
}

function workerStep(
  input: DecideInput,
  w: NodeInfo,
  pass: { gone: Map<string, string>; resumed: Set<string | undefined>; launches: Map<string, number> },
): NodeStep {
  const base = { ...nodeOf(w), by: 'controller' as const };
  const target = input.workers[w.nodeType];
  const goneWhy = pass.gone.get(w.id);
  if (goneWhy !== undefined) {
    // An outdated worker the same pass launches one of its type for is a replacement.
    const left = pass.launches.get(w.nodeType) ?? 0;
    if (goneWhy.includes('outdated') && target && left > 0) {
      pass.launches.set(w.nodeType, left - 1);
      return { ...base, action: 'replace', reason: goneWhy, changed: launchChanges(w, target) };
    }
    return { ...base, action: 'terminate', reason: goneWhy };
  }
  if (pass.resumed.has(w.id)) return { ...base, action: 'resume', reason: 'stopped after a finished setup' };
  if (!target) return { ...base, action: 'nothing', reason: 'its type is not in the config' };
  const why = setupReason(
    {
      id: w.id,
      nodeType: w.nodeType,
      running: w.running,
      launchHash: w.tags[TAG.launchConfig],
      status: w.tags[TAG.nodeStatus],
      runtimeHash: isTarget(w, input.rerun) ? RERUN_SETUP : w.tags[TAG.runtimeConfig],
      fileMountsHash: w.tags[TAG.fileMountsContents],
    },
    {
      launchHashes: { [w.nodeType]: target.launchHash },
      runtimeHashes: { [w.nodeType]: target.runtimeHash },
      fileMountsHash: input.fileMountsHash,
      pending: new Map(),
      skip: new Set(),
    },
  );
  if (why === undefined) return { ...base, action: 'nothing', reason: 'setup inputs unchanged' };
  if (why === REASON_RERUN) return { ...base, action: 'setup', reason: why };
  const changed = changedInputs(decodeInputParts(w.tags[TAG.setupInputs]), target.inputs, SETUP_INPUTS);
  return { ...base, action: 'setup', reason: why, changed };
}

/**
 * What each type's nodes must end with. The head is set up from `config`; workers by the head's
 * controller from `headSide` (the config as the head sees it), and these are the values it records.
 */
export function startTargets(
  config: ClusterConfig,
  headSide: ClusterConfig,
  plan: StartPlan,
  fileMountsHash: string,
): { head: TypeTarget; workers: Record<string, TypeTarget> } {
  const head: TypeTarget = {
    runtimeHash: runtimeHash(config, 'head', plan.head.nodeType),
    launchHash: plan.head.launchHash,
    inputs: inputParts(
      config,
      { kind: 'head', nodeType: plan.head.nodeType },
      { image: plan.head.image, fileMountsHash },
    ),
  };
  const workers: Record<string, TypeTarget> = {};
  for (const w of plan.workers) {
    const node = { kind: 'worker' as const, nodeType: w.nodeType };
    workers[w.nodeType] = {
      runtimeHash: runtimeHash(headSide, 'worker', w.nodeType),
      launchHash: w.launchHash,
      inputs: inputParts(headSide, node, { image: w.image, fileMountsHash }),
    };
  }
  return { head, workers };
}
