import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine } from './engine.js';
import pLimit from 'p-limit';
import { formatMemory, parseMemory } from '../../core/units.js';
import { CloudtikError } from '../../core/errors.js';
import { logEvent, nullSink, type EventSink } from '../../core/events.js';
import type { CommandRunner } from '../../core/command/runner.js';
import {
  creationLabels,
  LIMIT_LABEL,
  TAG,
  type NodeInfo,
  type NodeKind,
  type NodeLaunchRequest,
  type ClusterSupportSpec,
  type HostResources,
  type NodeProvider,
  type NodeStart,
  type ProviderHints,
} from '../provider.js';
import { isDockerStatus } from './docker-client.js';
import { DockerExecRunner } from './docker-runner.js';
import { clusterLockBeside, withClusterOperationLock } from '../../core/state/lock.js';
import { ClusterStateFile } from './state-file.js';
import { getWorkspace, networkName, pickNodeAddress, type WorkspaceInfo } from './workspace.js';
import { bootCommand } from '../../core/updater/resume.js';
import { VIRTUAL_HINTS } from './hints.js';

import { GATE_KIND, ensureGate, gateDir, removeGate, type GateTarget } from './gate.js';
import type { GatePolicy } from './gate-policy.js';
import {
  DATA_DIR_MOUNT,
  DATA_DISK_MOUNT,
  GATE_MOUNT,
  GATE_SOCKET,
  NODE_CAPABILITIES,
  STATE_MOUNT,
  nodeBinds,
} from './mounts.js';

export { DATA_DIR_MOUNT, DATA_DISK_MOUNT, STATE_MOUNT };

/** Labels with the limits a container really got (after clamping to the host). */

/**
 * Node containers come back when the engine does (after an engine or host restart) and when their
 * main process dies; the engine restarts a container with `always` even after a user's
 * `docker stop`, with `unless-stopped` only when nothing stopped it on purpose. `cloudtik stop` and
 * the controller's terminate remove containers, so a retired node is never started again; a node
 * someone stopped by hand stays stopped until `cloudtik start`.
 */
const RESTART_POLICY = { Name: 'unless-stopped' } as const;

/** How many times a node's creation picks another fixed address when its pick was taken meanwhile. */
const ADDRESS_ATTEMPTS = 4;

export interface VirtualProviderOptions {
  docker: DockerEngine;
  workspaceName: string;
  clusterName: string;
  /** Local folder for this cluster's state file and locks. */
  stateDir: string;
  sshUser: string;
  /**
   * The host's CPUs and memory when the caller knows them: the head's controller is told by
   * `start`, as the engine's own information is not reachable through the gate.
   */
  hostCapacity?: HostResources;
}

/** CPUs and memory of the engine's host: what a node container can get at most. */
export async function engineResources(docker: DockerEngine): Promise<HostResources> {
  const info = (await docker.info()) as { NCPU: number; MemTotal: number };
  return { cpus: info.NCPU, memoryBytes: info.MemTotal };
}

/**
 * The data-disk folders recorded for node `id` that are its own (named after it, see `nodeBinds`).
 * The state file sits in a folder the head can write, so a path recorded there is not removed on
 * the host unless it has that shape.
 */
export function ownDisks(id: string, disks: string[] | undefined): string[] {
  return (disks ?? []).filter((d) => path.isAbsolute(d) && path.basename(d) === id && !d.split('/').includes('..'));
}

/** Nodes are Docker containers on the workspace's bridge network, found by their labels. */
export class VirtualNodeProvider implements NodeProvider {
  readonly clusterName: string;
  readonly workspaceName: string;
  readonly hints: ProviderHints = VIRTUAL_HINTS;
  readonly discardsNodes = true;
  private readonly docker: DockerEngine;
  private readonly state: ClusterStateFile;
  private host: HostResources | undefined;
  private workspace: WorkspaceInfo | undefined;
  private launching: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: VirtualProviderOptions) {
    this.docker = options.docker;
    this.clusterName = options.clusterName;
    this.workspaceName = options.workspaceName;
    this.state = new ClusterStateFile(options.stateDir);
  }

  private clusterLabels(): string[] {
    return [`${TAG.workspace}=${this.workspaceName}`, `${TAG.cluster}=${this.clusterName}`];
  }

  async listNodes(filter: { kind?: NodeKind; nodeType?: string } = {}): Promise<NodeInfo[]> {
    const labels = this.clusterLabels();
    if (filter.kind) labels.push(`${TAG.nodeKind}=${filter.kind}`);
    if (filter.nodeType) labels.push(`${TAG.nodeType}=${filter.nodeType}`);
    const [containers, state] = await Promise.all([
      this.docker.listContainers({ all: true, filters: { label: labels } }),
      this.state.read(),
    ]);
    const net = networkName(this.workspaceName);
    return (
      containers
        // The cluster's gate carries the cluster's labels too, but it is no node.
        .filter((c) => !['removing', 'dead'].includes(c.State) && c.Labels[TAG.nodeKind] !== GATE_KIND)
        .map((c): NodeInfo => {
          const id = (c.Names[0] ?? c.Id).replace(/^\//, '');
          const tags = { ...c.Labels, ...(state.nodes[id]?.tags ?? {}) };
          return {
            id,
            kind: c.Labels[TAG.nodeKind] === 'head' ? 'head' : 'worker',
            nodeType: c.Labels[TAG.nodeType] ?? '',
            seqId: Number(c.Labels[TAG.seqId] ?? 0),
            ip: c.NetworkSettings.Networks[net]?.IPAddress || undefined,
            state: c.State,
            running: c.State === 'running',
            createdAt: c.Created * 1000,
            tags,
            limits: {
              cpus: Number(c.Labels[LIMIT_LABEL.cpus] ?? 0),
              memoryBytes: Number(c.Labels[LIMIT_LABEL.memory] ?? 0),
            },
          };
        })
        .sort((a, b) => a.seqId - b.seqId || a.id.localeCompare(b.id))
    );
  }

  /** CPUs and memory of the engine's host (as the caller was told, else from the engine). */
  async hostCapacity(): Promise<HostResources> {
    this.host ??= this.options.hostCapacity ?? (await engineResources(this.docker));
    return this.host;
  }

  /** CPU and memory limits from `instance_type`, clamped to what the host has (with a warning). */
  async nodeLimits(request: NodeLaunchRequest, sink: EventSink): Promise<{ cpus: number; memoryBytes: number }> {
    const host = await this.hostCapacity();
    const instance = (request.nodeConfig.instance_type ?? {}) as { CPU?: number; memory?: string | number };
    let cpus = instance.CPU ?? host.cpus;
    let memoryBytes = instance.memory === undefined ? host.memoryBytes : parseMemory(instance.memory);
    if (cpus > host.cpus) {
      logEvent(
        sink,
        'warn',
        `${request.nodeType}: CPU ${cpus} is more than this host has; limiting containers to ${host.cpus} (the node still advertises ${cpus})`,
      );
      cpus = host.cpus;
    }
    if (memoryBytes > host.memoryBytes) {
      logEvent(
        sink,
        'warn',
        `${request.nodeType}: memory ${String(instance.memory)} is more than this host has; limiting containers to ${formatMemory(host.memoryBytes)}`,
      );
      memoryBytes = host.memoryBytes;
    }
    return { cpus, memoryBytes };
  }

  async createNodes(request: NodeLaunchRequest, sink: EventSink): Promise<NodeInfo[]> {
    if (request.count <= 0) return [];
    const limits = await this.nodeLimits(request, sink);
    // Launches of one provider go one at a time, so the memory check below sees what the previous one made.
    const turn = this.launching.then(() => this.createWithin(request, limits, sink));
    this.launching = turn.catch(() => undefined);
    return turn;
  }

  /**
   * How many of `count` new nodes fit in the host's memory next to the cluster's other nodes. A
   * virtual node's memory limit is not reserved by Docker, but a cluster whose nodes together
   * promise more memory than the host has would fail at the first real load; so it is refused here,
   * with the figures.
   */
  private async fitting(request: NodeLaunchRequest, memoryBytes: number): Promise<number> {
    const host = await this.hostCapacity();
    const held = (await this.listNodes()).reduce((sum, n) => sum + (n.running ? n.limits.memoryBytes : 0), 0);
    const fit = memoryBytes > 0 ? Math.floor((host.memoryBytes - held) / memoryBytes) : request.count;
    return Math.max(0, Math.min(request.count, fit));
  }

  private async createWithin(
    request: NodeLaunchRequest,
    limits: { cpus: number; memoryBytes: number },
    sink: EventSink,
  ): Promise<NodeInfo[]> {
    const fit = await this.fitting(request, limits.memoryBytes);
    if (fit === 0) {
      const host = await this.hostCapacity();
      const held = (await this.listNodes()).reduce((sum, n) => sum + (n.running ? n.limits.memoryBytes : 0), 0);
      throw new CloudtikError(
        'ERR_CLOUDTIK_CAPACITY',
        `host out of memory for a ${request.nodeType} node: it needs ${formatMemory(limits.memoryBytes)}, the cluster's nodes hold ${formatMemory(held)} of the host's ${formatMemory(host.memoryBytes)}`,
        { hint: `lower min_workers or instance_type.memory of ${request.nodeType}` },
      );
    }
    if (fit < request.count) {
      logEvent(sink, 'warn', `only ${fit} of ${request.count} ${request.nodeType} node(s) fit in the host's memory`);
      request = { ...request, count: fit };
    }
    const firstSeq = request.kind === 'head' ? 1 : await this.reserveSeqIds(request.count);
    const limit = pLimit(8);
    const names = Array.from({ length: request.count }, () => this.newNodeName());
    const addresses = await this.freeAddresses(request.count);
    const created = await Promise.allSettled(
      names.map((name, i) =>
        limit(() => this.createOne(request, { name, seqId: firstSeq + i, limits, address: addresses[i] })),
      ),
    );
    const failed = created.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      // Nothing half created: remove every container of this batch before reporting.
      await this.terminateNodes(names, sink).catch(() => undefined);
      await this.dropStateIfEmpty().catch(() => undefined);
      const first = failed[0]?.reason as unknown;
      if (first instanceof CloudtikError) throw first;
      throw new CloudtikError(
        'ERR_CLOUDTIK_DOCKER',
        `could not create ${request.kind} node(s) of type ${request.nodeType}`,
        {
          cause: first,
          details: [first instanceof Error ? first.message : String(first)],
        },
      );
    }
    const byId = new Set(names);
    return (await this.listNodes()).filter((n) => byId.has(n.id));
  }

  /**
   * Reserve `count` consecutive worker seq ids under the state lock, so launches running at the
   * same time never share one. Ids continue after the highest in use or reserved before.
   */
  private async reserveSeqIds(count: number): Promise<number> {
    const inUse = Math.max(1, ...(await this.listNodes()).map((n) => n.seqId));
    let first = 0;
    await this.state.update((s) => {
      first = Math.max(inUse, s.lastSeqId ?? 0) + 1;
      s.lastSeqId = first + count - 1;
    });
    return first;
  }

  /**
   * Fixed addresses for `count` new nodes, all different, when the workspace gives nodes fixed
   * addresses (see createWorkspace); otherwise the engine assigns one at each start.
   */
  private async freeAddresses(count: number): Promise<(string | undefined)[]> {
    this.workspace ??= await getWorkspace(this.docker, this.workspaceName);
    const ws = this.workspace;
    if (!ws?.staticAddresses || !ws.subnet) return Array.from({ length: count }, () => undefined);
    const net = networkName(this.workspaceName);
    const containers = await this.docker.listContainers({ all: true, filters: { network: [net] } });
    const used = new Set<string>();
    for (const c of containers) {
      const endpoint = c.NetworkSettings.Networks[net];
      for (const ip of [endpoint?.IPAMConfig?.IPv4Address, endpoint?.IPAddress]) if (ip) used.add(ip);
    }
    const picked: (string | undefined)[] = [];
    for (let i = 0; i < count; i++) {
      const ip = pickNodeAddress(ws.subnet, ws.gateway, used);
      if (!ip) {
        throw new CloudtikError(
          'ERR_CLOUDTIK_CAPACITY',
          `workspace ${this.workspaceName} has no free node address left`,
          {
            hint: `its network ${net} (${ws.subnet}) is full: remove clusters you no longer need`,
          },
        );
      }
      used.add(ip);
      picked.push(ip);
    }
    return picked;
  }

  private newNodeName(): string {
    return `${this.workspaceName}-${this.clusterName}-${crypto.randomBytes(4).toString('hex')}`;
  }

  private async createOne(
    request: NodeLaunchRequest,
    node: { name: string; seqId: number; limits: { cpus: number; memoryBytes: number }; address?: string },
  ): Promise<void> {
    const cfg = request.nodeConfig as { data_disks?: string[]; data_dirs?: string[] };
    const folders = { dataDisks: cfg.data_disks ?? [], dataDirs: cfg.data_dirs ?? [] };
    const { binds, disks } = nodeBinds(node.name, folders);
    for (const dir of disks) await fsp.mkdir(dir, { recursive: true });
    for (const dir of folders.dataDirs) {
      await fsp.mkdir(dir, { recursive: true });
      await fsp.chmod(dir, 0o777).catch(() => undefined);
    }
    const env = ['LC_ALL=C.UTF-8', 'LANG=C.UTF-8'];
    if (request.kind === 'head') {
      await fsp.mkdir(this.options.stateDir, { recursive: true });
      binds.push(`${this.options.stateDir}:${STATE_MOUNT}`);
      // The head reaches the engine only through the cluster's gate (see gate.ts); read-only, so
      // nothing on the head can replace the gate's socket.
      // Made here, not left to the engine, so it is the host user's (the gate writes in it as that user).
      await fsp.mkdir(gateDir(this.options.stateDir), { recursive: true });
      binds.push(`${gateDir(this.options.stateDir)}:${GATE_MOUNT}:ro`);
      env.push(`DOCKER_HOST=unix://${GATE_SOCKET}`);
    }
    for (const p of request.hostMounts ?? []) binds.push(`${p}:${p}`);
    // Record the data-disk folders first, so a crash between here and the container's removal cannot leak them.
    await this.state.update((s) => {
      s.nodes[node.name] = { tags: {}, ...s.nodes[node.name], disks };
    });
    const labels = creationLabels({
      workspace: this.workspaceName,
      cluster: this.clusterName,
      kind: request.kind,
      nodeType: request.nodeType,
      launchHash: request.launchHash,
      seqId: node.seqId,
      limits: node.limits,
    });
    const spec = {
      name: node.name,
      Hostname: node.name.length <= 63 ? node.name : node.name.slice(-63),
      Image: request.image,
      Cmd: bootCommand(),
      Labels: labels,
      Env: env,
      HostConfig: {
        Init: true,
        NetworkMode: networkName(this.workspaceName),
        NanoCpus: Math.round(node.limits.cpus * 1e9),
        Memory: node.limits.memoryBytes,
        MemorySwap: node.limits.memoryBytes,
        Binds: binds,
        CapAdd: NODE_CAPABILITIES,
        IpcMode: 'private',
        RestartPolicy: RESTART_POLICY,
      },
    };
    await this.createAndStart(spec, node.address);
  }

  /**
   * Create and start a node container, at `address` when given. When another launch took that
   * address meanwhile (the engine refuses the start), the container is made again at another one.
   */
  private async createAndStart(
    spec: { name: string } & Record<string, unknown>,
    address: string | undefined,
  ): Promise<void> {
    const net = networkName(this.workspaceName);
    for (let attempt = 1; ; attempt++) {
      const networking = address
        ? { NetworkingConfig: { EndpointsConfig: { [net]: { IPAMConfig: { IPv4Address: address } } } } }
        : {};
      const container = await this.docker.createContainer({ ...spec, ...networking });
      try {
        await container.start();
        return;
      } catch (err) {
        const taken = address !== undefined && err instanceof Error && /address already in use/i.test(err.message);
        if (!taken || attempt >= ADDRESS_ATTEMPTS) throw err;
        await container.remove({ force: true });
        [address] = await this.freeAddresses(1);
      }
    }
  }

  async terminateNodes(ids: string[], sink: EventSink): Promise<void> {
    if (ids.length === 0) return;
    const limit = pLimit(8);
    await Promise.all(
      ids.map((id) =>
        limit(async () => {
          try {
            await this.docker.getContainer(id).remove({ force: true, v: true });
            logEvent(sink, 'debug', `removed container ${id}`);
          } catch (err) {
            if (!isDockerStatus(err, 404) && !isDockerStatus(err, 409)) throw err;
          }
        }),
      ),
    );
    const state = await this.state.read();
    await Promise.all(
      ids.flatMap((id) => ownDisks(id, state.nodes[id]?.disks)).map((d) => fsp.rm(d, { recursive: true, force: true })),
    );
    await this.state.update((s) => {
      for (const id of ids) delete s.nodes[id];
    });
  }

  /**
   * Remove the cluster's state folder when no node of it is left (a first start whose head could
   * not be made): the failed launch's own clean-up wrote it, and nothing else would ever remove it.
   */
  private async dropStateIfEmpty(): Promise<void> {
    const state = await this.state.read();
    if (Object.keys(state.nodes).length > 0 || (await this.listNodes()).length > 0) return;
    await fsp.rm(this.state.dir, { recursive: true, force: true });
  }

  async killNode(id: string): Promise<void> {
    await this.setTags(id, { [TAG.killed]: 'true' });
    try {
      await this.docker.getContainer(id).kill({ signal: 'SIGKILL' });
    } catch (err) {
      if (!isDockerStatus(err, 404) && !isDockerStatus(err, 409)) throw err;
    }
  }

  async startNodes(ids: string[], sink: EventSink): Promise<void> {
    const limit = pLimit(8);
    await Promise.all(
      ids.map((id) =>
        limit(async () => {
          try {
            await this.docker.getContainer(id).start();
            logEvent(sink, 'debug', `started container ${id}`);
          } catch (err) {
            // 304: it runs already (the engine itself may have started it a moment ago).
            if (!isDockerStatus(err, 304)) throw err;
          }
        }),
      ),
    );
  }

  async nodeStarts(ids: string[]): Promise<Map<string, NodeStart>> {
    const limit = pLimit(8);
    const found = await Promise.all(
      ids.map((id) =>
        limit(async (): Promise<[string, NodeStart] | undefined> => {
          try {
            const c = await this.docker.getContainer(id).inspect();
            const startedAt = Date.parse(c.State.StartedAt ?? '');
            return [id, { startedAt: startedAt > 0 ? startedAt : undefined, restartCount: c.RestartCount ?? 0 }];
          } catch (err) {
            if (isDockerStatus(err, 404)) return undefined;
            throw err;
          }
        }),
      ),
    );
    return new Map(found.filter((f) => f !== undefined));
  }

  async setTags(id: string, tags: Record<string, string>): Promise<void> {
    await this.state.update((s) => {
      const entry = s.nodes[id] ?? { tags: {} };
      entry.tags = { ...entry.tags, ...tags };
      s.nodes[id] = entry;
    });
  }

  commandRunner(node: NodeInfo): CommandRunner {
    return new DockerExecRunner(this.docker, node.id, this.options.sshUser);
  }

  async cleanupCluster(): Promise<void> {
    const state = await this.state.read();
    const live = new Set((await this.listNodes()).map((n) => n.id));
    for (const [id, entry] of Object.entries(state.nodes)) {
      if (live.has(id)) continue;
      for (const d of ownDisks(id, entry.disks)) await fsp.rm(d, { recursive: true, force: true });
    }
    if (live.size === 0) await fsp.rm(this.options.stateDir, { recursive: true, force: true });
  }

  private get gateTarget(): GateTarget {
    return {
      docker: this.docker,
      workspace: this.workspaceName,
      cluster: this.clusterName,
      stateDir: this.options.stateDir,
    };
  }

  /**
   * Make sure the cluster's Docker gate runs (see gate.ts), allowing exactly these worker types:
   * their images, folders and limits (clamped to the host as their nodes will be). Returns
   * whether it was created now.
   */
  async prepareCluster(spec: ClusterSupportSpec, sink: EventSink): Promise<{ created: boolean }> {
    const workerTypes: GatePolicy['workerTypes'] = {};
    for (const w of spec.workers) {
      const limits = await this.nodeLimits({ ...w, kind: 'worker', launchHash: '', count: 1 }, nullSink);
      const cfg = w.nodeConfig as { data_disks?: string[]; data_dirs?: string[] };
      workerTypes[w.nodeType] = {
        image: w.image,
        ...limits,
        dataDisks: cfg.data_disks ?? [],
        dataDirs: cfg.data_dirs ?? [],
      };
    }
    const policy: GatePolicy = {
      workspace: this.workspaceName,
      cluster: this.clusterName,
      network: networkName(this.workspaceName),
      execUsers: [...new Set(['root', this.options.sshUser])],
      workerTypes,
    };
    return ensureGate(this.gateTarget, { image: spec.image, policy }, sink);
  }

  /** Remove the cluster's Docker gate (after its last node). */
  releaseCluster(): Promise<void> {
    return removeGate(this.gateTarget);
  }

  withClusterLock<T>(sink: EventSink, fn: () => Promise<T>): Promise<T> {
    return withClusterOperationLock(clusterLockBeside(this.options.stateDir), this.clusterName, sink, fn);
  }
}
