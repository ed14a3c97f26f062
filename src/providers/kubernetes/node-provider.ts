/**
 * Nodes of one cluster as pods of the workspace's namespace, found by their labels. Tags that
 * change (status, hashes) are patched onto the pod's labels, so the CLI and the head's controller
 * see the same ones. Every call is scoped to the cluster's labels: nothing without them is
 * deleted.
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import pLimit from 'p-limit';
import type { PlainObject } from '../../config/merge.js';
import { waitFor, type WaitOptions } from '../../core/deadline.js';
import { CloudtikError } from '../../core/errors.js';
import { logEvent, type EventSink } from '../../core/events.js';
import type { CommandRunner } from '../../core/command/runner.js';
import { clusterLockBeside, withClusterOperationLock } from '../../core/state/lock.js';
import {
  LIMIT_LABEL,
  stateJsonFiles,
  TAG,
  type ClusterSupportSpec,
  type HostResources,
  type NodeInfo,
  type NodeKind,
  type NodeLaunchRequest,
  type NodeProvider,
  type NodeStart,
  type NodesView,
  type ProviderHints,
  type StateFile,
} from '../provider.js';
import { apiError, createIfMissing, orMissing, type KubeApi } from './api.js';
import { headCredentialFiles } from './head-token.js';
import { KUBERNETES_HINTS } from './hints.js';
import { PodWatch } from './pod-watch.js';
import { pendingProblem, type Pod } from './pods.js';
import { clusterPodRunner } from './runner.js';
import {
  clusterSelector,
  clusterServices,
  dataDisks,
  HEAD_SERVICE_ACCOUNT,
  metadataToTags,
  nodeResources,
  permanentClaim,
  podManifest,
  tagsToMetadata,
  type PodInput,
} from './spec.js';

export interface KubernetesProviderOptions {
  api: KubeApi;
  workspaceName: string;
  clusterName: string;
  stateDir: string;
  sshUser: string;
  /** `provider.permanent_data_volumes`: data-disk claims outlive their pods. */
  permanentDisks: boolean;
  kubeconfig?: string;
  /** What a node gets when its type sets no `resources`. */
  host: HostResources;
}

/** How long a pod may stay unschedulable before its creation fails with the scheduler's reason. */
const UNSCHEDULABLE_GRACE_MS = 20_000;
/** How long a new pod may take to run (image pulls included). */
const RUNNING_WAIT_MS = 10 * 60_000;
/**
 * Pause between two looks at pods that should run or be gone: short for the first seconds (a pod
 * usually runs in under one, and its wait is on every start's path), longer after.
 */
function pollPause(elapsedMs: number): number {
  if (elapsedMs < 2_000) return 50;
  return elapsedMs < 5_000 ? 100 : 400;
}

export class KubernetesNodeProvider implements NodeProvider {
  readonly clusterName: string;
  readonly workspaceName: string;
  readonly hints: ProviderHints = KUBERNETES_HINTS;
  /** A deleted pod takes its processes and, unless they are kept, its claims with it. */
  readonly discardsNodes: boolean;
  readonly nodesNeverResume = true;
  /** The controller's first launch waits for its Kubernetes client to load in a small pod (over a second). */
  readonly launchesWorkersWithHead = true;
  private readonly api: KubeApi;
  private readonly namespace: string;
  private launching: Promise<unknown> = Promise.resolve();
  /** Pods listed with the cluster's labels: their tags are patched without listing them again. */
  private readonly own = new Set<string>();

  constructor(private readonly options: KubernetesProviderOptions) {
    this.api = options.api;
    this.clusterName = options.clusterName;
    this.workspaceName = options.workspaceName;
    this.namespace = options.workspaceName;
    this.discardsNodes = !options.permanentDisks;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CloudtikError) throw err;
      throw apiError(what, err, this.api.server);
    }
  }

  /** The cluster's pods (those being deleted left out). */
  async pods(filter: { kind?: NodeKind; nodeType?: string } = {}): Promise<Pod[]> {
    return this.ownPods(await this.allPods(filter));
  }

  /** The cluster's pods, those being deleted among them. */
  private async allPods(filter: { kind?: NodeKind; nodeType?: string } = {}): Promise<Pod[]> {
    const list = await this.call(`list the pods of cluster ${this.clusterName}`, () =>
      this.api.core.listNamespacedPod({
        namespace: this.namespace,
        labelSelector: clusterSelector(this.workspaceName, this.clusterName, filter),
      }),
    );
    return list.items;
  }

  /** Of `pods`, those not being deleted, which are noted as the cluster's own. */
  private ownPods(pods: Pod[]): Pod[] {
    const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
    for (const p of live) this.own.add(p.metadata?.name ?? '');
    return live;
  }

  async followNodes(): Promise<NodesView> {
    const view = await this.watchPods();
    return {
      nodes: (filter = {}) =>
        view.live
          ? nodesOf(this.ownPods(view.pods())).filter((n) => !filter.kind || n.kind === filter.kind)
          : undefined,
      onChange: (listener) => view.onChange(listener),
      close: () => view.close(),
    };
  }

  private watchPods(): Promise<PodWatch> {
    const selector = clusterSelector(this.workspaceName, this.clusterName);
    return this.call(`watch the pods of cluster ${this.clusterName}`, () =>
      PodWatch.open(this.api, this.namespace, selector),
    );
  }

  /**
   * Wait (through the deadline helper) until `probe` says yes of the cluster's pods, those being
   * deleted among them: as a watch sees them (`opened`, or one opened for the wait), the probe
   * running again at each change, or listed at each look when the watch cannot follow them (a
   * Role without `watch`, a closed stream).
   */
  private async followPods<T>(
    probe: (pods: Pod[], waitedMs: number) => T | undefined,
    options: Omit<WaitOptions, 'wake' | 'pauseMs'>,
    opened?: PodWatch,
  ): Promise<T> {
    const view = opened ?? (await this.watchPods());
    try {
      return await waitFor(async ({ waitedMs }) => probe(view.live ? view.pods() : await this.allPods(), waitedMs), {
        ...options,
        pauseMs: pollPause,
        wake: (news) => view.onChange(news),
      });
    } finally {
      if (opened === undefined) view.close();
    }
  }

  async listNodes(filter: { kind?: NodeKind; nodeType?: string } = {}): Promise<NodeInfo[]> {
    return nodesOf(await this.pods(filter));
  }

  private limitsOf(nodeConfig: PlainObject): { cpus: number; memoryBytes: number } {
    const r = nodeResources(nodeConfig);
    return { cpus: r.cpus ?? this.options.host.cpus, memoryBytes: r.memoryBytes ?? this.options.host.memoryBytes };
  }

  async createNodes(request: NodeLaunchRequest, sink: EventSink): Promise<NodeInfo[]> {
    if (request.count <= 0) return [];
    // The head's seq id is fixed (workers count from 2): it launches at once, beside the workers it starts with.
    if (request.kind === 'head') return this.createBatch(request, sink);
    // Worker launches of one provider go one at a time, so seq ids picked from the listing never collide.
    const turn = this.launching.then(() => this.createBatch(request, sink));
    this.launching = turn.catch(() => undefined);
    return turn;
  }

  private async createBatch(request: NodeLaunchRequest, sink: EventSink): Promise<NodeInfo[]> {
    // (A head's seq id needs no listing, nor do a new cluster's first workers': one round trip less on their way up.)
    const first =
      request.kind === 'head'
        ? 1
        : (request.seqIdFrom ?? Math.max(1, ...(await this.listNodes()).map((n) => n.seqId)) + 1);
    const limits = this.limitsOf(request.nodeConfig);
    const inputs: PodInput[] = Array.from({ length: request.count }, (_, i) => ({
      workspace: this.workspaceName,
      cluster: this.clusterName,
      kind: request.kind,
      nodeType: request.nodeType,
      seqId: request.kind === 'head' ? 1 : first + i,
      uuid: crypto.randomUUID(),
      image: request.image,
      launchHash: request.launchHash,
      nodeConfig: request.nodeConfig,
    }));
    const names: string[] = [];
    try {
      const limit = pLimit(8);
      await Promise.all(inputs.map((p) => limit(async () => names.push(await this.createPod(p, limits)))));
      logEvent(sink, 'debug', `created pod(s) ${names.join(', ')} in namespace ${this.namespace}`);
      // The head's credentials come while it starts, not on the way to its start commands.
      if (request.kind === 'head') for (const name of names) this.headCredentials.set(name, this.askCredentials(name));
      request.onCreated?.(names);
      const running = await this.waitRunning(names, sink);
      return nodesOf(running);
    } catch (err) {
      // Nothing half created: the batch's pods go before the failure is reported.
      await this.deletePods(names).catch(() => undefined);
      throw err;
    }
  }

  private async createPod(input: PodInput, limits: { cpus: number; memoryBytes: number }): Promise<string> {
    if (this.options.permanentDisks) {
      input.permanentClaims = dataDisks(input.nodeConfig).map(
        (_, i) => `cloudtik-${this.clusterName}-${input.kind}-${input.seqId}-disk-${i + 1}`,
      );
      for (const [i, name] of input.permanentClaims.entries()) {
        await this.call(`create claim ${name}`, () =>
          createIfMissing(() =>
            this.api.core.createNamespacedPersistentVolumeClaim({
              namespace: this.namespace,
              body: permanentClaim(input, i, name),
            }),
          ),
        );
      }
    }
    const body = podManifest(input, limits);
    const pod = await this.call(`create a ${input.kind} pod of type ${input.nodeType}`, () =>
      this.api.core.createNamespacedPod({ namespace: this.namespace, body }),
    );
    return pod.metadata!.name!;
  }

  /**
   * Wait until the pods run, through the deadline helper, and return them as last seen; a pod the
   * scheduler cannot place (or whose image cannot be had) fails the wait with the reason Kubernetes gives.
   */
  private async waitRunning(names: string[], sink: EventSink): Promise<Pod[]> {
    const warned = new Set<string>();
    return this.followPods(
      (all, waitedMs) => {
        const pods = this.ownPods(all).filter((p) => names.includes(p.metadata?.name ?? ''));
        const waiting = pods.filter((p) => toNode(p).running === false || !p.status?.podIP);
        if (pods.length === names.length && waiting.length === 0) return pods;
        if (pods.length < names.length) {
          const gone = names.filter((n) => !pods.some((p) => p.metadata?.name === n));
          throw new CloudtikError('ERR_CLOUDTIK_CLUSTER', `pod(s) ${gone.join(', ')} vanished while starting`);
        }
        for (const p of waiting) {
          const problem = pendingProblem(p, waitedMs >= UNSCHEDULABLE_GRACE_MS);
          if (problem?.fatal) throw this.podError(p, problem.message);
          const name = p.metadata?.name ?? '';
          if (problem && !warned.has(name)) {
            warned.add(name);
            logEvent(sink, 'warn', `pod ${name} is pending: ${problem.message}`);
          }
        }
        return undefined;
      },
      {
        what: `pod(s) ${names.join(', ')} to run`,
        ms: RUNNING_WAIT_MS,
        expired: () =>
          new CloudtikError(
            'ERR_CLOUDTIK_TIMEOUT',
            `pod(s) ${names.join(', ')} did not run within ${RUNNING_WAIT_MS / 1000}s`,
            {
              hint: `see why: kubectl -n ${this.namespace} describe pod ${names[0] ?? ''}`,
            },
          ),
      },
    );
  }

  private podError(pod: Pod, message: string): CloudtikError {
    const name = pod.metadata?.name ?? '';
    return new CloudtikError('ERR_CLOUDTIK_CAPACITY', `pod ${name} cannot run: ${message}`, {
      hint: `lower the node type's resources or make room in the Kubernetes cluster (kubectl -n ${this.namespace} describe pod ${name})`,
    });
  }

  /**
   * Delete pods of this cluster by name (others are left alone) and wait until they are gone:
   * one watch picks them and follows them out.
   */
  private async deletePods(ids: string[], graceSeconds = 1): Promise<void> {
    const view = await this.watchPods();
    try {
      const own = new Set(this.ownPods(view.pods()).map((p) => p.metadata?.name ?? ''));
      const targets = ids.filter((id) => own.has(id));
      for (const id of targets) this.own.delete(id);
      await Promise.all(
        targets.map((name) =>
          this.call(`delete pod ${name}`, () =>
            orMissing(() =>
              this.api.core.deleteNamespacedPod({ name, namespace: this.namespace, gracePeriodSeconds: graceSeconds }),
            ),
          ),
        ),
      );
      await this.waitGone(targets, view);
    } finally {
      view.close();
    }
  }

  private async waitGone(names: string[], view: PodWatch): Promise<void> {
    if (names.length === 0) return;
    await this.followPods(
      (pods) => (pods.some((p) => names.includes(p.metadata?.name ?? '')) ? undefined : true),
      {
        what: `pod(s) ${names.join(', ')} to be gone`,
        ms: 120_000,
        expired: () =>
          new CloudtikError('ERR_CLOUDTIK_TIMEOUT', `pod(s) ${names.join(', ')} were not gone within 120s`, {
            hint: `kubectl -n ${this.namespace} get pods ${names.join(' ')}`,
          }),
      },
      view,
    );
  }

  async terminateNodes(ids: string[], sink: EventSink): Promise<void> {
    if (ids.length === 0) return;
    await this.deletePods(ids);
    logEvent(sink, 'debug', `deleted pod(s) ${ids.join(', ')}`);
  }

  /** Pods cannot run again once their container ended: such a node is replaced, not started. */
  async startNodes(ids: string[]): Promise<void> {
    const ended = (await this.listNodes()).filter((n) => ids.includes(n.id) && !n.running);
    if (ended.length > 0) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_CLUSTER',
        `pod(s) ${ended.map((n) => n.id).join(', ')} cannot be started again`,
        {
          hint: 'a pod whose container ended is replaced: cloudtik stop, then cloudtik start',
        },
      );
    }
  }

  async nodeStarts(ids: string[]): Promise<Map<string, NodeStart>> {
    const out = new Map<string, NodeStart>();
    for (const p of await this.pods()) {
      const name = p.metadata?.name ?? '';
      if (!ids.includes(name)) continue;
      const c = p.status?.containerStatuses?.[0];
      const started = c?.state?.running?.startedAt;
      out.set(name, {
        startedAt: started ? new Date(started).getTime() : undefined,
        restartCount: c?.restartCount ?? 0,
      });
    }
    return out;
  }

  /** A killed node's pod is deleted at once (no grace), as a lost machine would be. */
  async killNode(id: string): Promise<void> {
    await this.setTags(id, { [TAG.killed]: 'true' });
    await this.deletePods([id], 0);
  }

  async setTags(id: string, tags: Record<string, string>): Promise<void> {
    // Pod names carry the cluster's name and a random part: one listed as the cluster's stays its own.
    const own = this.own.has(id) || (await this.pods()).some((p) => p.metadata?.name === id);
    if (!own) return;
    const body = { metadata: tagsToMetadata(tags) };
    const { lib } = this.api;
    await this.call(`update the tags of pod ${id}`, () =>
      orMissing(() =>
        this.api.core.patchNamespacedPod(
          { name: id, namespace: this.namespace, body },
          lib.setHeaderOptions('Content-Type', lib.PatchStrategy.MergePatch),
        ),
      ),
    );
  }

  commandRunner(node: NodeInfo): CommandRunner {
    const { sshUser: user, kubeconfig } = this.options;
    return clusterPodRunner(this.api, { namespace: this.namespace, user, kubeconfig }, node.id);
  }

  /** The head's token and CA by pod, asked for as soon as the pod exists (see clusterStateFiles). */
  private readonly headCredentials = new Map<string, Promise<StateFile[]>>();

  private askCredentials(pod: string): Promise<StateFile[]> {
    const asked = this.call(`get a token of ${HEAD_SERVICE_ACCOUNT} for pod ${pod}`, () =>
      headCredentialFiles(this.api, this.namespace, pod),
    );
    asked.catch(() => undefined); // a failure early is asked again by clusterStateFiles
    return asked;
  }

  /**
   * The cluster's state: its `.json` files (the head's controller reads them as the node user),
   * and the head's token and CA for the API (its pod mounts none, see head-token.ts): those asked
   * for when this provider created the head, else new ones (a start of a running cluster).
   */
  async clusterStateFiles(head: NodeInfo, stateDir: string): Promise<StateFile[]> {
    const early = this.headCredentials.get(head.id);
    this.headCredentials.delete(head.id);
    const [files, credentials] = await Promise.all([
      stateJsonFiles(stateDir),
      early ? early.catch(() => this.askCredentials(head.id)) : this.askCredentials(head.id),
    ]);
    return [...files, ...credentials];
  }

  async cleanupCluster(): Promise<void> {
    if ((await this.listNodes()).length === 0) await fsp.rm(this.options.stateDir, { recursive: true, force: true });
  }

  /** The head Service and the headless Service of the cluster (made if missing). */
  async prepareCluster(_spec: ClusterSupportSpec, sink: EventSink): Promise<{ created: boolean }> {
    let created = false;
    for (const body of clusterServices(this.workspaceName, this.clusterName)) {
      const name = (body.metadata as { name: string }).name;
      const made = await this.call(`create service ${name}`, () =>
        createIfMissing(() => this.api.core.createNamespacedService({ namespace: this.namespace, body })),
      );
      if (made) logEvent(sink, 'debug', `created service ${name}`);
      created ||= made;
    }
    return { created };
  }

  /** The cluster's Services, and data-disk claims its pods left (kept ones stay). */
  async releaseCluster(): Promise<void> {
    const namespace = this.namespace;
    const labelSelector = clusterSelector(this.workspaceName, this.clusterName);
    await this.deleteLabelled(
      'service',
      () => this.api.core.listNamespacedService({ namespace, labelSelector }),
      (name) => this.api.core.deleteNamespacedService({ name, namespace }),
    );
    if (this.options.permanentDisks) return;
    await this.deleteLabelled(
      'claim',
      () => this.api.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }),
      (name) => this.api.core.deleteNamespacedPersistentVolumeClaim({ name, namespace }),
    );
  }

  /** Delete each object `list` finds (it lists by the cluster's labels); one already gone is fine. */
  private async deleteLabelled(
    kind: string,
    list: () => Promise<{ items: { metadata?: { name?: string } }[] }>,
    remove: (name: string) => Promise<unknown>,
  ): Promise<void> {
    const found = await this.call(`list ${kind}s`, list);
    for (const item of found.items) {
      const name = item.metadata?.name ?? '';
      await this.call(`delete ${kind} ${name}`, () => orMissing(() => remove(name)));
    }
  }

  withClusterLock<T>(sink: EventSink, fn: () => Promise<T>): Promise<T> {
    return withClusterOperationLock(clusterLockBeside(this.options.stateDir), this.clusterName, sink, fn);
  }
}

/** Pods as nodes, by seq id. */
function nodesOf(pods: Pod[]): NodeInfo[] {
  return pods.map(toNode).sort((a, b) => a.seqId - b.seqId || a.id.localeCompare(b.id));
}

/** A pod as a node: ended pods are not running and count as killed (a pod never runs again). */
export function toNode(p: Pod): NodeInfo {
  const labels = p.metadata?.labels ?? {};
  const phase = p.status?.phase ?? 'Pending';
  const running = phase === 'Running' && p.status?.containerStatuses?.[0]?.state?.running !== undefined;
  const tags = metadataToTags(labels, p.metadata?.annotations ?? {});
  if (phase === 'Failed' || phase === 'Succeeded') tags[TAG.killed] = 'true';
  const created = p.metadata?.creationTimestamp;
  return {
    id: p.metadata?.name ?? '',
    kind: labels[TAG.nodeKind] === 'head' ? 'head' : 'worker',
    nodeType: labels[TAG.nodeType] ?? '',
    seqId: Number(labels[TAG.seqId] ?? 0),
    ip: p.status?.podIP || undefined,
    state: phase.toLowerCase(),
    running,
    createdAt: created ? new Date(created).getTime() : 0,
    tags,
    limits: { cpus: Number(labels[LIMIT_LABEL.cpus] ?? 0), memoryBytes: Number(labels[LIMIT_LABEL.memory] ?? 0) },
  };
}
