/**
 * What the dashboard's server and its page say to each other: the routes, the JSON each returns and
 * the events it streams. Field names are camelCase, as in the CLI's `--json`.
 *
 * Every request carries the dashboard's token: `Authorization: Bearer <token>`, or `?token=` on
 * GET requests only (the first page load and EventSource streams, which cannot set headers).
 * Actions are POST with the header; a POST with the token only in the query is refused (403).
 * A request whose `Origin` is not the dashboard's own, or whose `Host` is not the loopback address
 * it listens on, is refused (403). No token: 401. Nothing secret (the Redis password, keys) is
 * ever in a response. The page's own files under `/assets/` are the one exception to the token
 * (a `<script src>` cannot carry it; they hold nothing secret); the Origin/Host rule holds for them
 * too. Every response says `Cache-Control: no-store` and `Referrer-Policy: no-referrer`, so the
 * token in the page's URL never leaves in a Referer (links to the runtimes' UIs).
 *
 * A request that fails answers with an {@link ErrorResponse}: 400 (a field is wrong: the schema
 * names it), 401, 403, 404 (no such cluster, job or file), 409 (the cluster cannot do it now, e.g.
 * its head is down), 413 (the job file is over 16 MiB), 500.
 *
 * A cluster is named by its provider type, workspace and name, in the path:
 * `/api/clusters/:provider/:workspace/:cluster/...` (the `ClusterRef` below).
 */
import type { ClusterEvent, ControllerStatus } from '../core/state/store.js';
import type { JobRecord } from '../core/jobs/model.js';
import type { NodeRow } from '../core/cluster/nodes.js';

export interface ClusterRef {
  provider: string;
  workspace: string;
  cluster: string;
}

/** What a failed request answers. */
export interface ErrorResponse {
  error: string;
  hint?: string;
  /** For a 400 from the schema: the field at fault (`workers`, `fileName`, `cluster`). */
  field?: string;
}

/** GET /api/clusters: every workspace and cluster found in the local state folders and the providers. */
export interface ClustersResponse {
  workspaces: { provider: string; name: string; clusters: ClusterListItem[] }[];
  /** Providers that could not be listed, and why (the others are listed all the same). */
  warnings?: string[];
}

export interface ClusterListItem extends ClusterRef {
  headIp?: string;
  /** Running nodes, head included. */
  nodes: number;
  /** False when the state folder has no config to act with (started by another machine or version). */
  manageable: boolean;
}

/** GET /api/clusters/:provider/:workspace/:cluster */
export interface ClusterView extends ClusterRef {
  headIp?: string;
  nodes: DashboardNode[];
  /** The controller's last status, or why it could not be read. */
  controller: { status?: DashboardControllerStatus; error?: string };
  runtimes: { runtime: string; name: string; url: string }[];
  /** Node types a user may scale, with their bounds. */
  workerTypes: { name: string; min: number; max: number }[];
}

export interface DashboardNode extends NodeRow {
  /** ms since the node's last heartbeat in the head's store (none for nodes without one). */
  heartbeatAgeMs?: number;
}

/** The controller's status without what a page has no use for. */
export type DashboardControllerStatus = Pick<
  ControllerStatus,
  'time' | 'pass' | 'passMs' | 'pending' | 'blocked' | 'targets' | 'messages'
>;

/** GET .../jobs: newest first. */
export interface JobsResponse {
  jobs: JobRecord[];
}

/** A job file uploaded through the dashboard is at most this big (decoded). */
export const MAX_JOB_FILE_BYTES = 16 * 2 ** 20;

/**
 * POST .../jobs: JSON body. The file's content is base64 (at most 16 MiB once decoded); the
 * job runs as `cloudtik submit` would run it (by the file's extension), queued on the head.
 */
export interface SubmitJobBody {
  fileName: string;
  contentBase64: string;
  args?: string[];
  /** `cpu=2,memory=2g` */
  resources?: string;
}

/** POST .../scale */
export interface ScaleBody {
  workers?: number;
  cpus?: number;
  workerType?: string;
}

/** POST .../nodes/:nodeId/kill */
export interface KillBody {
  hard?: boolean;
}

/** POST .../stop: no body. POST .../jobs/:jobId/cancel: no body. */

/** What every action returns at once (202); how it ends comes as `action` events. */
export interface ActionAccepted {
  actionId: string;
  /** e.g. "scale workers to 2". */
  title: string;
}

/**
 * GET .../events (text/event-stream): the cluster's events as they happen. One server-side reader
 * per cluster, shared by every open page (no polling storm): the head's store is read once a
 * second whoever listens, and nothing is read while nobody does. The stream starts with the last
 * 100 cluster events, then:
 *   event: cluster  data: ClusterEvent       (the controller's events)
 *   event: status   data: ClusterView        (when nodes, the controller's status or runtimes change)
 *   event: jobs     data: JobsResponse       (when a job's state changes)
 *   event: action   data: ActionEvent        (the dashboard's own actions)
 * Right after the last cluster events come the current `status` and `jobs`, and the `action` events
 * of the last actions on this cluster (so a page opened after an action still sees how it ended).
 * `status` is sent when something but the heartbeat ages changed, and at least every 5 s while the
 * cluster has nodes (the ages move). A comment line `: ping` comes every 15 s, so proxies keep it open.
 */
export type DashboardStreamEvent =
  | { event: 'cluster'; data: ClusterEvent }
  | { event: 'status'; data: ClusterView }
  | { event: 'jobs'; data: JobsResponse }
  | { event: 'action'; data: ActionEvent };

export interface ActionEvent {
  actionId: string;
  title: string;
  state: 'start' | 'done' | 'fail';
  time: number;
  /** On fail: the error's message and hint. On done: what came of it (`job-3 queued`). */
  detail?: string;
}

/**
 * GET .../jobs/:jobId/logs (text/event-stream): the job's output from its start, then as it comes,
 * until the job ends:
 *   event: out  data: { text }     event: err  data: { text }     event: end  data: JobRecord
 * or, when it cannot go on (no such job, the head is down): event: error  data: ErrorResponse.
 * Pings as on the events stream.
 */
export interface LogChunk {
  text: string;
}

/** Route paths, shared by the server and the page. */
export const ROUTES = {
  page: '/',
  /** The page's files (`/assets/app.js`): no token needed. */
  asset: '/assets/:file',
  clusters: '/api/clusters',
  cluster: '/api/clusters/:provider/:workspace/:cluster',
  events: '/api/clusters/:provider/:workspace/:cluster/events',
  jobs: '/api/clusters/:provider/:workspace/:cluster/jobs',
  jobLogs: '/api/clusters/:provider/:workspace/:cluster/jobs/:jobId/logs',
  cancelJob: '/api/clusters/:provider/:workspace/:cluster/jobs/:jobId/cancel',
  scale: '/api/clusters/:provider/:workspace/:cluster/scale',
  killNode: '/api/clusters/:provider/:workspace/:cluster/nodes/:nodeId/kill',
  stop: '/api/clusters/:provider/:workspace/:cluster/stop',
} as const;
