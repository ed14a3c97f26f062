/**
 * A small in-memory backend for the server's unit tests (pure request handling): one cluster with
 * two nodes, a job, and actions that resolve or fail as the test says. It counts the watches it
 * opened and closed, so tests can tell a reader stopped.
 */
import type { JobRecord } from '../../core/jobs/model.js';
import { CloudtikError } from '../../core/errors.js';
import type { ClusterRef, ClustersResponse, ClusterView } from '../contract.js';
import {
  HttpError,
  refKey,
  type ClusterSnapshot,
  type ClusterWatch,
  type DashboardBackend,
  type JobUpload,
  type LogSink,
} from './backend.js';

export const REF: ClusterRef = { provider: 'virtual', workspace: 'ws1', cluster: 'c1' };

export const JOB: JobRecord = {
  id: 'job-1',
  seq: 1,
  file: 'hello.sh',
  args: [],
  runtime: 'shell',
  user: 'alice',
  command: 'bash hello.sh',
  dir: 'jobs/job-1',
  resources: { cpu: 1, memoryMb: 256 },
  state: 'succeeded',
  submittedAt: 1000,
  startedAt: 1100,
  endedAt: 1200,
  exitCode: 0,
};

export function view(nodes = 2): ClusterView {
  return {
    ...REF,
    headIp: '10.0.0.2',
    nodes: Array.from({ length: nodes }, (_, i) => ({
      id: `n${i}`,
      kind: i === 0 ? ('head' as const) : ('worker' as const),
      nodeType: i === 0 ? 'head.default' : 'worker.default',
      ip: `10.0.0.${i + 2}`,
      state: 'running',
      status: 'up-to-date',
      seqId: i,
      createdAt: 1,
      cpus: 1,
      memoryBytes: 2 ** 30,
      heartbeatAgeMs: 300,
    })),
    controller: { error: 'no status published yet (the controller is starting)' },
    runtimes: [],
    workerTypes: [{ name: 'worker.default', min: 1, max: 3 }],
  };
}

export class MemoryBackend implements DashboardBackend {
  watchesOpened = 0;
  watchesClosed = 0;
  snapshot: ClusterSnapshot = { view: view(), jobs: [JOB], events: [] };
  submitted: JobUpload[] = [];
  /** What the next action does: resolve with this text, or throw this error. */
  outcome: string | Error = 'ok';
  /** Lines the job's log stream gives, then the job's record. */
  logLines: { stream: 'stdout' | 'stderr'; text: string }[] = [];

  private known(ref: ClusterRef): void {
    if (refKey(ref) !== refKey(REF))
      throw new HttpError(404, `cluster ${ref.cluster} of workspace ${ref.workspace} is not known`);
  }

  listClusters(): Promise<ClustersResponse> {
    return Promise.resolve({
      workspaces: [{ provider: REF.provider, name: REF.workspace, clusters: [{ ...REF, nodes: 2, manageable: true }] }],
    });
  }

  async clusterView(ref: ClusterRef): Promise<ClusterView> {
    this.known(ref);
    return Promise.resolve(this.snapshot.view);
  }

  async listJobs(ref: ClusterRef): Promise<JobRecord[]> {
    this.known(ref);
    return Promise.resolve(this.snapshot.jobs);
  }

  async requireCluster(ref: ClusterRef): Promise<void> {
    this.known(ref);
    return Promise.resolve();
  }

  /** Watches to refuse before one opens (a cluster whose state cannot be read yet). */
  failWatches = 0;

  async watch(ref: ClusterRef): Promise<ClusterWatch> {
    this.known(ref);
    if (this.failWatches > 0) {
      this.failWatches--;
      throw new Error('the state folder is being written');
    }
    this.watchesOpened++;
    return Promise.resolve({
      read: () => Promise.resolve(structuredClone(this.snapshot)),
      close: () => {
        this.watchesClosed++;
        return Promise.resolve();
      },
    });
  }

  async followJobLogs(
    ref: ClusterRef,
    jobId: string,
    o: { onOutput: LogSink; signal: AbortSignal },
  ): Promise<JobRecord> {
    this.known(ref);
    if (jobId !== JOB.id) throw new CloudtikError('ERR_CLOUDTIK_USAGE', `there is no job ${jobId} on this cluster`);
    for (const l of this.logLines) o.onOutput(l.stream, l.text);
    return Promise.resolve(JOB);
  }

  private act(): Promise<string> {
    const o = this.outcome;
    return o instanceof Error ? Promise.reject(o) : Promise.resolve(o);
  }

  submitJob(_ref: ClusterRef, upload: JobUpload): Promise<string> {
    this.submitted.push(upload);
    return this.act();
  }
  cancelJob(): Promise<string> {
    return this.act();
  }
  scale(): Promise<string> {
    return this.act();
  }
  killNode(): Promise<string> {
    return this.act();
  }
  stop(): Promise<string> {
    return this.act();
  }
}
