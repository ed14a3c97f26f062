/**
 * Nodes that are hosts reached over SSH (`local`: hosts listed in `provider.nodes`; `onpremise`:
 * hosts of a pool). Nothing is provisioned: creating a node takes a free host for the cluster,
 * terminating one stops every service the cluster runs there and gives the host back. Which host
 * belongs to which cluster is kept by a {@link HostBook}: the local state file (store.ts), shared
 * with the head's controller on the same machine, or the host-pool service.
 */
import fsp from 'node:fs/promises';
import { tailLines, type CommandRunner } from '../../core/command/runner.js';
import { markedPids } from '../../core/command/ssh.js';
import { CloudtikError } from '../../core/errors.js';
import { installHost } from '../../core/host/install.js';
import { errorMessage, logEvent, type EventSink } from '../../core/events.js';
import { withClusterOperationLock } from '../../core/state/lock.js';
import {
  TAG,
  type InstallAheadRequest,
  type NodeInfo,
  type NodeKind,
  type NodeLaunchRequest,
  type NodeProvider,
  type NodeStart,
  type PrepareNodeContext,
  type TeardownRetry,
} from '../provider.js';
import { dataDiskScript, parseProbe, planDataDisks, probeScript } from './disks.js';
import type { HostBook } from './book.js';
import { DATA_DISK_ROOT } from './disks.js';
import type { HostContainers } from './host-containers.js';
import type { HostRecord } from './hosts.js';

/** When the host was handed to the cluster (ms since the epoch); kept with its tags. */
const CREATED_TAG = 'cloudtik-node-created-at';

export interface HostProviderOptions {
  clusterName: string;
  workspaceName: string;
  /** Who holds which host. */
  book: HostBook;
  /** Where the cluster's operation lock is kept (a path; the lock file sits beside it). */
  lockTarget: string;
  /**
   * A host whose processes of ours are not all the cluster's, so leftovers of SSH commands are not
   * ended there when it is given back (the local head: the machine the user runs `cloudtik` on).
   */
  sharedHost?: string;
  /** Extra commands (run as root) that clear what the cluster left on a host it gives back. */
  clearHost?: (id: string) => string | undefined;
  /**
   * A shell condition true on hosts whose processes of ours may be stopped: a host it fails on is
   * given back untouched (a pool's host that another pool's cluster holds, listed twice by mistake).
   */
  teardownGuard?: string;
  /** CPU and memory of an instance type (from provider.instance_types, or this machine's). */
  sizeOf: (instanceType: string) => { cpus: number; memoryBytes: number };
  /** This cluster's local state folder (bootstrap, secrets). */
  stateDir: string;
  /** The user commands run as on the hosts (`auth.ssh_user`). */
  sshUser: string;
  /** A command runner for a host (SSH). */
  runnerFor: (host: string) => CommandRunner;
  /** End the shared connection to a host (once the host is given back). */
  closeHost: (host: string) => Promise<void>;
  /** End the shared connection to every host the cluster may have used. */
  closeAll: () => Promise<void>;
  /** Set when each host runs its node in a container (`docker.enabled`); unset for bare hosts. */
  containers?: HostContainers;
}

/**
 * Ends (TERM, then KILL after a second) the processes that commands sent over SSH started on a
 * host and left behind: they carry the runner's mark in their environment (see markedPids). The
 * script's own mark is spared.
 */
export const LEFTOVERS_SCRIPT = [
  `pids=$(${markedPids()})`,
  '[ -z "$pids" ] && exit 0',
  'kill -TERM $pids 2>/dev/null; sleep 1; kill -KILL $pids 2>/dev/null; true',
].join('\n');

/** Stops every service of ours on a host; `--kill` does it at once, as a crash would. */
export const HOST_TEARDOWN = 'cloudtik node stop --services';

export class HostNodeProvider implements NodeProvider {
  readonly clusterName: string;
  readonly workspaceName: string;

  constructor(private readonly options: HostProviderOptions) {
    this.clusterName = options.clusterName;
    this.workspaceName = options.workspaceName;
  }

  private get clusterTags(): Record<string, string> {
    return { [TAG.cluster]: this.clusterName, [TAG.workspace]: this.workspaceName };
  }

  private toNodeInfo(id: string, record: HostRecord): NodeInfo {
    return {
      id,
      kind: record.tags[TAG.nodeKind] === 'head' ? 'head' : 'worker',
      nodeType: record.tags[TAG.nodeType] ?? '',
      seqId: Number(record.tags[TAG.seqId] ?? 0),
      ip: record.ip,
      state: record.state,
      running: record.state === 'running',
      createdAt: Number(record.tags[CREATED_TAG] ?? 0),
      tags: record.tags,
      limits: this.options.sizeOf(record.instance_type),
    };
  }

  async listNodes(filter: { kind?: NodeKind; nodeType?: string } = {}): Promise<NodeInfo[]> {
    const tags = { ...this.clusterTags };
    if (filter.kind) tags[TAG.nodeKind] = filter.kind;
    if (filter.nodeType) tags[TAG.nodeType] = filter.nodeType;
    return (await this.options.book.list(tags)).map(([id, r]) => this.toNodeInfo(id, r));
  }

  async createNodes(request: NodeLaunchRequest, sink: EventSink): Promise<NodeInfo[]> {
    if (request.count <= 0) return [];
    const taken = await this.options.book.take({
      kind: request.kind,
      instanceType: instanceTypeOf(request.nodeConfig),
      count: request.count,
      tags: {
        ...this.clusterTags,
        [TAG.nodeType]: request.nodeType,
        [TAG.launchConfig]: request.launchHash,
        [CREATED_TAG]: String(Date.now()),
      },
    });
    const created = taken.map(([id, r]) => this.toNodeInfo(id, r));
    logEvent(
      sink,
      'debug',
      `hosts ${created.map((n) => n.id).join(', ')} are now ${request.kind} nodes of ${this.clusterName}`,
    );
    if (this.options.containers) {
      // The hosts are the cluster's now; their containers may take minutes (an image to load).
      request.onCreated?.(created.map((n) => n.id));
      await this.launchContainers(created, request, sink);
    }
    return created;
  }

  /**
   * Each host claimed, its data disks ready, its engine and the node image there, then the node's
   * container started. Nothing half made: on a failure every host of the batch is given back clean.
   */
  private async launchContainers(nodes: NodeInfo[], request: NodeLaunchRequest, sink: EventSink): Promise<void> {
    const containers = this.options.containers!;
    const entries = (request.nodeConfig.data_disks as string[] | undefined) ?? [];
    const launched = await Promise.allSettled(
      nodes.map(async (node) => {
        const runner = this.options.runnerFor(node.id);
        await this.claimHost(node, runner);
        if (entries.length > 0) await this.prepareDisks(node.id, runner, entries, sink);
        await containers.readyHost(node.id, request.image, sink);
        const binds = entries.map((_, i) => `${DATA_DISK_ROOT}/data_disk_${i + 1}`);
        await containers.create({ node, image: request.image, launchHash: request.launchHash, binds });
      }),
    );
    const failed = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return;
    await this.terminateNodes(
      nodes.map((n) => n.id),
      sink,
    ).catch(() => undefined);
    throw failed.reason;
  }

  /** Makes sure the host may serve the cluster before anything is done there (a pool's claim); fails if not. */
  protected claimHost(_node: NodeInfo, _runner: CommandRunner): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Stops what the cluster runs on each host, then gives the hosts back. A host that does not
   * answer is given back too, marked: it is handed out last, and {@link retryTeardowns} stops its
   * services once it answers again.
   */
  async terminateNodes(ids: string[], sink: EventSink): Promise<void> {
    const answered = await Promise.all(ids.map((id) => this.teardown(id, sink)));
    const silent = new Set(ids.filter((_, i) => !answered[i]));
    await this.options.book.giveBack(ids, this.clusterTags, silent);
    await Promise.all(ids.map((id) => this.closeHost(id)));
  }

  private async closeHost(id: string): Promise<void> {
    this.options.containers?.forget(id);
    await this.options.closeHost(id);
  }

  /** What stops the cluster's node on a host: its container removed, or its services stopped. */
  private get teardownCommand(): { command: string; asRoot: boolean } {
    const containers = this.options.containers;
    return containers ? { command: containers.removeScript, asRoot: true } : { command: HOST_TEARDOWN, asRoot: false };
  }

  /** Stops the cluster's services on a host; whether the host answered. */
  private async teardown(id: string, sink: EventSink): Promise<boolean> {
    const { command, asRoot } = this.teardownCommand;
    try {
      const runner = this.options.runnerFor(id);
      const guard = this.options.teardownGuard ? `${this.options.teardownGuard} || exit 0\n` : '';
      const r = await runner.run({ command: guard + command, asRoot });
      if (r.exitCode !== 0) logEvent(sink, 'warn', `host ${id}: '${command}' failed: ${(r.stderr || r.stdout).trim()}`);
      // What a stopped controller left running there (a setup cut short) goes too, and what the
      // cluster kept on the host.
      const clear = [id === this.options.sharedHost ? '' : `(${LEFTOVERS_SCRIPT})`, this.options.clearHost?.(id) ?? '']
        .filter((c) => c !== '')
        .join('\n');
      if (clear !== '') await runner.run({ command: guard + clear, asRoot: true });
      return true;
    } catch (err) {
      logEvent(
        sink,
        'warn',
        `host ${id}: could not stop its services (${(err as Error).message}); it is given back, marked to retry`,
      );
      return false;
    }
  }

  /** Hosts given back while they did not answer: stop the cluster's services there if they answer now. */
  async retryTeardowns(sink: EventSink): Promise<TeardownRetry> {
    const ids = await this.options.book.unanswered(this.clusterTags);
    const answered = await Promise.all(ids.map((id) => this.teardown(id, sink)));
    const stopped = ids.filter((_, i) => answered[i]);
    if (stopped.length > 0) {
      await this.options.book.clearUnanswered(stopped);
      await Promise.all(stopped.map((id) => this.closeHost(id)));
    }
    return { stopped, unanswered: ids.filter((_, i) => !answered[i]) };
  }

  /**
   * Data disks first (a failure there stops the setup before anything is installed), then what a
   * node image carries: Node, cloudtik and the runtimes' software (cached: a second time is a check).
   * A node in a container has all of it from its launch.
   */
  async prepareNode(node: NodeInfo, context: PrepareNodeContext): Promise<void> {
    if (this.options.containers) return;
    await this.claimHost(node, context.runner);
    const entries = (context.nodeConfig.data_disks as string[] | undefined) ?? [];
    if (entries.length > 0) await this.prepareDisks(node.id, context.runner, entries, context.sink);
    await installHost({
      runner: context.runner,
      runtimes: context.runtimes,
      head: node.kind === 'head',
      packageUrl: context.packageUrl,
      sink: context.sink,
      signal: context.signal,
    });
  }

  /** The free hosts worker launches would take next get their software now (see NodeProvider.installAhead). */
  async installAhead(requests: readonly InstallAheadRequest[], sink: EventSink, signal?: AbortSignal): Promise<void> {
    const book = this.options.book;
    if (!book.freeWorkerHosts) return;
    const frees = await Promise.all(requests.map((r) => book.freeWorkerHosts!(instanceTypeOf(r.nodeConfig))));
    const taken = new Set<string>();
    const jobs = requests.flatMap((request, i) => {
      const ids = frees[i]!.filter((id) => !taken.has(id)).slice(0, request.count);
      for (const id of ids) taken.add(id);
      return ids.map((id) => ({ id, request }));
    });
    const quiet = withoutChecks(sink);
    const containers = this.options.containers;
    await Promise.all(
      jobs.map(async ({ id, request }) => {
        try {
          if (containers) {
            if (request.image) await containers.readyHost(id, request.image, sink);
            return;
          }
          await installHost({
            runner: this.options.runnerFor(id),
            runtimes: request.runtimes,
            head: false,
            packageUrl: request.packageUrl,
            sink: quiet,
            signal,
          });
        } catch (err) {
          if (signal?.aborted) return;
          logEvent(sink, 'warn', `host ${id}: installing ahead failed; its setup tries again: ${errorMessage(err)}`);
        }
      }),
    );
  }

  private async prepareDisks(id: string, runner: CommandRunner, entries: string[], sink: EventSink): Promise<void> {
    const probe = await runner.run({ command: probeScript(entries), asRoot: true });
    const { devices, signatures } = parseProbe(probe.stdout);
    const steps = planDataDisks(id, entries, devices, signatures);
    const r = await runner.run({ command: dataDiskScript(steps, this.options.sshUser), asRoot: true });
    if (r.exitCode !== 0) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_NODE_UPDATE',
        `host ${id}: preparing the data disks failed (exit ${r.exitCode})`,
        {
          details: tailLines(r.stderr + r.stdout, 10),
          hint: 'check the disks named in node_config.data_disks on that host',
        },
      );
    }
    logEvent(sink, 'debug', `host ${id}: data disks ${steps.map((s) => `${s.action} ${s.target}`).join(', ')}`);
  }

  /** Hosts are not switched on and off by the cluster: a listed host of the cluster is running. Its container may be. */
  async startNodes(ids: string[]): Promise<void> {
    const containers = this.options.containers;
    if (containers) await Promise.all(ids.map((id) => containers.start(id)));
  }

  /**
   * When each host booted (its kernel's boot time), so a host restart is seen like a node restart;
   * for a node in a container, when the container started.
   */
  async nodeStarts(ids: string[]): Promise<Map<string, NodeStart>> {
    const out = new Map<string, NodeStart>();
    const containers = this.options.containers;
    await Promise.all(
      ids.map(async (id) => {
        if (containers) {
          const started = await containers.started(id).catch(() => undefined);
          out.set(id, started ?? { startedAt: undefined, restartCount: 0 });
          return;
        }
        const r = await this.options
          .runnerFor(id)
          .run({ command: "awk '/^btime/ {print $2}' /proc/stat" })
          .catch(() => undefined);
        const btime = Number(r?.stdout.trim());
        out.set(id, { startedAt: r?.exitCode === 0 && btime > 0 ? btime * 1000 : undefined, restartCount: 0 });
      }),
    );
    return out;
  }

  /** Kills every service of the cluster on the host at once, as a crash would; the host stays listed. */
  async killNode(id: string): Promise<void> {
    await this.setTags(id, { [TAG.killed]: 'true' });
    if (this.options.containers) await this.options.containers.kill(id);
    else await this.options.runnerFor(id).run({ command: `${HOST_TEARDOWN} --kill` });
  }

  async setTags(id: string, tags: Record<string, string>): Promise<void> {
    await this.options.book.setTags(id, tags);
  }

  commandRunner(node: NodeInfo): CommandRunner {
    return this.options.containers?.runner(node.id, node.kind) ?? this.options.runnerFor(node.id);
  }

  /**
   * Once the cluster holds no host: its local folder (bootstrap, secrets) goes, and so does every
   * shared connection to its listed hosts, also one the stopped controller reopened to a host it
   * had given back already (it would linger for the idle timeout).
   */
  async cleanupCluster(): Promise<void> {
    if ((await this.listNodes()).length > 0) return;
    await fsp.rm(this.options.stateDir, { recursive: true, force: true });
    await this.options.closeAll();
  }

  withClusterLock<T>(sink: EventSink, fn: () => Promise<T>): Promise<T> {
    return withClusterOperationLock(this.options.lockTarget, this.clusterName, sink, fn);
  }
}

/** The instance type a node type's `node_config` asks for (`default` when it names none). */
function instanceTypeOf(nodeConfig: Record<string, unknown>): string {
  const named = nodeConfig.instance_type;
  return typeof named === 'string' ? named : 'default';
}

/** `sink` without an install's checks (probe, collect) and skipped layers: what is in place already says nothing. */
function withoutChecks(sink: EventSink): EventSink {
  return (event) => {
    if (event.type === 'step' && (event.state === 'skip' || /:(probe|prepare)$/.test(event.id))) return;
    sink(event);
  };
}
