/**
 * The dashboard's backend over the core: clusters are found by their local state folders (each
 * with the config `start` wrote for the head) and by the providers' workspaces; reads and actions
 * call the same core functions as the CLI. Everything sent is scrubbed of the cluster's secrets.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import { readBootstrap, readSecrets } from '../../core/cluster/bootstrap.js';
import { clusterStateDir, openCluster } from '../../core/cluster/context.js';
import { headStoreAddress, openHeadStore } from '../../core/cluster/head-state.js';
import { maskValues, secretValues } from '../../core/cluster/mask.js';
import { clusterInfo, clusterNodeRows, killNode } from '../../core/cluster/nodes.js';
import { scaleCluster } from '../../core/cluster/scale.js';
import { stopCluster } from '../../core/cluster/stop.js';
import { nullSink } from '../../core/events.js';
import { cancelJob, jobOutput, listJobs, submitJob } from '../../core/jobs/api.js';
import type { JobRecord } from '../../core/jobs/model.js';
import { JobStore } from '../../core/jobs/store.js';
import type { RedisStateStore } from '../../core/state/redis-store.js';
import type { NodeInfo } from '../../providers/provider.js';
import { providerTypes } from '../../providers/registry.js';
import type { ClusterRef, ClustersResponse, ClusterView, KillBody, ScaleBody } from '../contract.js';
import {
  HttpError,
  type ClusterSnapshot,
  type ClusterWatch,
  type DashboardBackend,
  type JobUpload,
  type LogSink,
} from './backend.js';
import { discoverClusters } from './discovery.js';
import { viewOf } from './view.js';

/** Cluster events a snapshot carries (the stream replays the last 100 of them). */
const SNAPSHOT_EVENTS = 100;

interface Loaded {
  config: ClusterConfig;
  /** Values never to send: the state store's password, the config's secret values. */
  secrets: string[];
}

/** A copy of `value` with every known secret masked (in its JSON, where strings are escaped). */
export function scrub<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  return JSON.parse(maskValues(JSON.stringify(value), forms)) as T;
}

async function loadCluster(ref: ClusterRef): Promise<Loaded> {
  if (!providerTypes().includes(ref.provider)) {
    throw new HttpError(404, `no provider type ${ref.provider}`, `known: ${providerTypes().join(', ')}`);
  }
  const stateDir = clusterStateDir(ref.provider, ref.workspace, ref.cluster);
  let config: ClusterConfig;
  try {
    config = (await readBootstrap(stateDir)).bootstrap.config;
  } catch {
    throw new HttpError(
      404,
      `cluster ${ref.cluster} of workspace ${ref.workspace} (${ref.provider}) is not known on this machine`,
      'the dashboard acts on clusters started from this machine (their state is under the cloudtik home folder)',
    );
  }
  const stored = await readSecrets(stateDir);
  return { config, secrets: [...(stored ? [stored.redisPassword] : []), ...secretValues(config)] };
}

/** The head's stores, opened once and kept while a page watches the cluster. */
class StoreSession {
  private state: RedisStateStore | undefined;
  private jobs: JobStore | undefined;
  private headIp: string | undefined;

  async open(config: ClusterConfig, head: NodeInfo | undefined): Promise<{ state: RedisStateStore; jobs: JobStore }> {
    if (!head?.ip) throw new Error('the head is not running');
    if (this.state && this.jobs && this.headIp === head.ip) return { state: this.state, jobs: this.jobs };
    await this.close();
    const ctx = await openCluster(config, { requireWorkspace: false });
    this.state = await openHeadStore(ctx, head);
    this.jobs = await JobStore.open({ ...(await headStoreAddress(ctx, head)), connectTimeoutMs: 3000 });
    this.headIp = head.ip;
    return { state: this.state, jobs: this.jobs };
  }

  async close(): Promise<void> {
    const open = [this.state, this.jobs].flatMap((s) => (s ? [s] : []));
    this.state = this.jobs = this.headIp = undefined;
    await Promise.all(open.map((s) => s.close().catch(() => undefined)));
  }
}

class CoreWatch implements ClusterWatch {
  private readonly stores = new StoreSession();
  /** The jobs and events of the last read that reached the head: kept while it cannot be reached. */
  private last: Pick<ClusterSnapshot, 'jobs' | 'events'> = { jobs: [], events: [] };

  constructor(
    private readonly ref: ClusterRef,
    private readonly loaded: Loaded,
  ) {}

  async read(): Promise<ClusterSnapshot> {
    const { config, secrets } = this.loaded;
    const { nodes, rows } = await clusterNodeRows(config);
    const head = nodes.find((n) => n.kind === 'head' && n.running);
    try {
      const { state, jobs } = await this.stores.open(config, head);
      const [heartbeats, status, events, list] = await Promise.all([
        state.heartbeats(),
        state.status(),
        state.events(SNAPSHOT_EVENTS),
        jobs.list(),
      ]);
      const view = viewOf({ ref: this.ref, config, rows, info: clusterInfo(config, nodes), heartbeats, status });
      this.last = scrub({ jobs: [...list].reverse(), events }, secrets);
      return { view: scrub(view, secrets), ...this.last };
    } catch (err) {
      await this.stores.close();
      const error = head ? `cannot read the head's state: ${(err as Error).message}` : 'the head is not running';
      const view = viewOf({ ref: this.ref, config, rows, info: clusterInfo(config, nodes), error });
      return { view: scrub(view, secrets), ...this.last };
    }
  }

  close(): Promise<void> {
    return this.stores.close();
  }
}

export class CoreBackend implements DashboardBackend {
  listClusters(): Promise<ClustersResponse> {
    return discoverClusters(env.home(), providerTypes());
  }

  async clusterView(ref: ClusterRef): Promise<ClusterView> {
    const watch = await this.watch(ref);
    try {
      return (await watch.read()).view;
    } finally {
      await watch.close();
    }
  }

  async listJobs(ref: ClusterRef): Promise<JobRecord[]> {
    const { config, secrets } = await loadCluster(ref);
    return scrub([...(await listJobs(config))].reverse(), secrets);
  }

  async requireCluster(ref: ClusterRef): Promise<void> {
    await loadCluster(ref);
  }

  async watch(ref: ClusterRef): Promise<ClusterWatch> {
    return new CoreWatch(ref, await loadCluster(ref));
  }

  async followJobLogs(
    ref: ClusterRef,
    jobId: string,
    o: { onOutput: LogSink; signal: AbortSignal },
  ): Promise<JobRecord> {
    const { config, secrets } = await loadCluster(ref);
    const job = await jobOutput(config, jobId, {
      follow: true,
      signal: o.signal,
      onOutput: (stream, text) => o.onOutput(stream, maskValues(text, secrets)),
    });
    return scrub(job, secrets);
  }

  async submitJob(ref: ClusterRef, upload: JobUpload): Promise<string> {
    const { config } = await loadCluster(ref);
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-dashboard-'));
    try {
      const file = path.join(dir, upload.fileName);
      await fsp.writeFile(file, upload.content, { mode: 0o600 });
      const job = await submitJob({
        config,
        file,
        args: upload.args,
        ...(upload.resources !== undefined ? { resources: upload.resources } : {}),
      });
      return `${job.id} ${job.state}`;
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }

  async cancelJob(ref: ClusterRef, jobId: string): Promise<string> {
    const { config } = await loadCluster(ref);
    const job = await cancelJob(config, jobId);
    return `${job.id} ${job.state}`;
  }

  async scale(ref: ClusterRef, body: ScaleBody): Promise<string> {
    const { config } = await loadCluster(ref);
    const r = await scaleCluster({
      config,
      ...(body.workers !== undefined ? { workers: body.workers } : {}),
      ...(body.cpus !== undefined ? { cpus: body.cpus } : {}),
      ...(body.workerType !== undefined ? { workerType: body.workerType } : {}),
      wait: false,
      timeoutMs: 0,
      sink: nullSink,
      origin: `dashboard: scale ${body.workers !== undefined ? `--workers ${body.workers}` : `--cpus ${body.cpus}`}`,
    });
    return `the head was asked for ${r.bundles.length} bundle(s); its controller launches what is missing`;
  }

  async killNode(ref: ClusterRef, nodeId: string, body: KillBody): Promise<string> {
    const { config } = await loadCluster(ref);
    const node = await killNode(config, nodeId, { hard: body.hard === true });
    return `killed ${node.id}${node.ip ? ` (${node.ip})` : ''}; the controller replaces it if the cluster needs it`;
  }

  async stop(ref: ClusterRef): Promise<string> {
    const { config } = await loadCluster(ref);
    const r = await stopCluster({ config, sink: nullSink });
    return `removed ${r.terminated.length} node(s) in ${(r.ms / 1000).toFixed(1)} s`;
  }
}
