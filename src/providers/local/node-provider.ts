/**
 * Nodes of a `local` cluster: hosts listed in `provider.nodes`, reached over SSH. Nothing is
 * provisioned: creating a node hands a free listed host to the cluster, terminating one stops
 * every service the cluster runs there and gives the host back. Which host belongs to which
 * cluster is kept in the state file (store.ts), shared with the head's controller, which runs on
 * the same machine.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
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
import {
  allocate,
  clearUnanswered,
  clusterHosts,
  freeWorkerHosts,
  mergeTags,
  release,
  unansweredHosts,
  type HostRecord,
  type ListedHost,
} from './hosts.js';
import type { HostStateStore } from './store.js';

/** When the host was handed to the cluster (ms since the epoch); kept with its tags. */
const CREATED_TAG = 'cloudtik-node-created-at';

export interface LocalProviderOptions {
  clusterName: string;
  workspaceName: string;
  hosts: readonly ListedHost[];
  headHost: string;
  store: HostStateStore;
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

export class LocalNodeProvider implements NodeProvider {
  readonly clusterName: string;
  readonly workspaceName: string;

  constructor(private readonly options: LocalProviderOptions) {
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
    return clusterHosts(await this.options.store.read(), tags).map(([id, r]) => this.toNodeInfo(id, r));
  }

  async createNodes(request: NodeLaunchRequest, sink: EventSink): Promise<NodeInfo[]> {
    if (request.count <= 0) return [];
    const instanceType = instanceTypeOf(request.nodeConfig);
    const created = await this.options.store.update((state) => {
      const seq = Math.max(0, ...clusterHosts(state, this.clusterTags).map(([, r]) => Number(r.tags[TAG.seqId] ?? 0)));
      const tags = {
        ...this.clusterTags,
        [TAG.nodeType]: request.nodeType,
        [TAG.launchConfig]: request.launchHash,
        [CREATED_TAG]: String(Date.now()),
      };
      const picked = allocate(state, {
        kind: request.kind,
        instanceType,
        count: request.count,
        tags,
        headHost: this.options.headHost,
      });
      let next = picked.state;
      picked.ids.forEach((id, i) => {
        next = mergeTags(next, id, {
          [TAG.seqId]: String(seq + i + 1),
          [TAG.nodeName]: `${this.clusterName}-${request.kind}-${seq + i + 1}`,
        });
      });
      return { state: next, result: picked.ids.map((id) => this.toNodeInfo(id, next.nodes[id]!)) };
    });
    logEvent(
      sink,
      'debug',
      `hosts ${created.map((n) => n.id).join(', ')} are now ${request.kind} nodes of ${this.clusterName}`,
    );
    return created;
  }

  /**
   * Stops what the cluster runs on each host, then gives the hosts back. A host that does not
   * answer is given back too, marked: it is handed out last, and {@link retryTeardowns} stops its
   * services once it answers again.
   */
  async terminateNodes(ids: string[], sink: EventSink): Promise<void> {
    const answered = await Promise.all(ids.map((id) => this.teardown(id, HOST_TEARDOWN, sink)));
    const silent = { ids: new Set(ids.filter((_, i) => !answered[i])), now: Date.now() };
    await this.options.store.update((state) => ({
      state: release(state, ids, this.clusterTags, silent),
      result: undefined,
    }));
    await Promise.all(ids.map((id) => this.options.closeHost(id)));
  }

  /** Stops the cluster's services on a host; whether the host answered. */
  private async teardown(id: string, command: string, sink: EventSink): Promise<boolean> {
    try {
      const runner = this.options.runnerFor(id);
      const r = await runner.run({ command });
      if (r.exitCode !== 0) logEvent(sink, 'warn', `host ${id}: '${command}' failed: ${(r.stderr || r.stdout).trim()}`);
      // On a worker's host, what a stopped controller left running there (a setup cut short) goes too.
      if (id !== this.options.headHost) await runner.run({ command: LEFTOVERS_SCRIPT, asRoot: true });
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
    const ids = unansweredHosts(await this.options.store.read(), this.clusterTags);
    const answered = await Promise.all(ids.map((id) => this.teardown(id, HOST_TEARDOWN, sink)));
    const stopped = ids.filter((_, i) => answered[i]);
    if (stopped.length > 0) {
      await this.options.store.update((state) => ({ state: clearUnanswered(state, stopped), result: undefined }));
      await Promise.all(stopped.map((id) => this.options.closeHost(id)));
    }
    return { stopped, unanswered: ids.filter((_, i) => !answered[i]) };
  }

  /**
   * Data disks first (a failure there stops the setup before anything is installed), then what a
   * node image carries: Node, cloudtik and the runtimes' software (cached: a second time is a check).
   */
  async prepareNode(node: NodeInfo, context: PrepareNodeContext): Promise<void> {
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
    const state = await this.options.store.read();
    const taken = new Set<string>();
    const jobs = requests.flatMap((request) => {
      const free = freeWorkerHosts(state, instanceTypeOf(request.nodeConfig), this.options.headHost);
      const ids = free.filter((id) => !taken.has(id)).slice(0, request.count);
      for (const id of ids) taken.add(id);
      return ids.map((id) => ({ id, request }));
    });
    const quiet = withoutChecks(sink);
    await Promise.all(
      jobs.map(async ({ id, request }) => {
        try {
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

  /** Hosts are not switched on and off by the cluster: a listed host of the cluster is running. */
  async startNodes(): Promise<void> {}

  /** When each host booted (its kernel's boot time), so a host restart is seen like a node restart. */
  async nodeStarts(ids: string[]): Promise<Map<string, NodeStart>> {
    const out = new Map<string, NodeStart>();
    await Promise.all(
      ids.map(async (id) => {
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
    await this.options.runnerFor(id).run({ command: `${HOST_TEARDOWN} --kill` });
  }

  async setTags(id: string, tags: Record<string, string>): Promise<void> {
    await this.options.store.update((state) => ({ state: mergeTags(state, id, tags), result: undefined }));
  }

  commandRunner(node: NodeInfo): CommandRunner {
    return this.options.runnerFor(node.id);
  }

  /**
   * Once the cluster holds no host: its local folder (bootstrap, secrets) goes, and so does every
   * shared connection to its listed hosts, also one the stopped controller reopened to a host it
   * had given back already (it would linger for the idle timeout).
   */
  async cleanupCluster(): Promise<void> {
    if ((await this.listNodes()).length > 0) return;
    await fsp.rm(this.options.stateDir, { recursive: true, force: true });
    await Promise.all(this.options.hosts.map((h) => this.options.closeHost(h.ip)));
  }

  withClusterLock<T>(sink: EventSink, fn: () => Promise<T>): Promise<T> {
    const target = path.join(path.dirname(this.options.store.file), `${this.clusterName}.cluster`);
    return withClusterOperationLock(target, this.clusterName, sink, fn);
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
