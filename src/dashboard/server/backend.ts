/**
 * What the dashboard's server needs from the clusters: listing them, reading one, its jobs and
 * their output, and the actions. The real one (core-backend.ts) sits on the core's functions;
 * unit tests of the request handling pass a small in-memory one.
 */
import type { ClusterEvent } from '../../core/state/store.js';
import type { JobRecord } from '../../core/jobs/model.js';
import type { ClusterRef, ClustersResponse, ClusterView, KillBody, ScaleBody } from '../contract.js';

/** One read of a cluster: its view, its jobs (newest first) and its last events (newest last). */
export interface ClusterSnapshot {
  view: ClusterView;
  jobs: JobRecord[];
  events: ClusterEvent[];
}

/** A cluster kept open for repeated reads (its store connections stay open until `close`). */
export interface ClusterWatch {
  read(): Promise<ClusterSnapshot>;
  close(): Promise<void>;
}

/** A job file as the server received it (already decoded and size-checked). */
export interface JobUpload {
  fileName: string;
  content: Buffer;
  args: string[];
  resources?: string;
}

export type LogSink = (stream: 'stdout' | 'stderr', text: string) => void;

export interface DashboardBackend {
  listClusters(): Promise<ClustersResponse>;
  /** Throws {@link HttpError} 404 when the cluster is not known here. */
  clusterView(ref: ClusterRef): Promise<ClusterView>;
  listJobs(ref: ClusterRef): Promise<JobRecord[]>;
  /** Check the cluster exists and can be acted on (404 otherwise), before an action is accepted. */
  requireCluster(ref: ClusterRef): Promise<void>;
  watch(ref: ClusterRef): Promise<ClusterWatch>;
  /** Stream a job's output from its start until it ends (waits while it is queued); resolves with its record. */
  followJobLogs(ref: ClusterRef, jobId: string, o: { onOutput: LogSink; signal: AbortSignal }): Promise<JobRecord>;
  /** The actions: each resolves with a short line saying what came of it. */
  submitJob(ref: ClusterRef, upload: JobUpload): Promise<string>;
  cancelJob(ref: ClusterRef, jobId: string): Promise<string>;
  scale(ref: ClusterRef, body: ScaleBody): Promise<string>;
  killNode(ref: ClusterRef, nodeId: string, body: KillBody): Promise<string>;
  stop(ref: ClusterRef): Promise<string>;
}

/** An error with the HTTP status the server answers it with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function refKey(ref: ClusterRef): string {
  return `${ref.provider}/${ref.workspace}/${ref.cluster}`;
}
