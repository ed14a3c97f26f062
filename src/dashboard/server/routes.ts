/**
 * The API routes: reads answer JSON, streams answer server-sent events, actions answer 202 at
 * once and run in the background (see actions.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  MAX_JOB_FILE_BYTES,
  ROUTES,
  type ActionAccepted,
  type ClusterRef,
  type JobsResponse,
  type KillBody,
  type ScaleBody,
  type SubmitJobBody,
} from '../contract.js';
import { HttpError, type DashboardBackend } from './backend.js';
import { errorResponse } from './errors.js';
import {
  clusterSchema,
  jobSchema,
  killSchema,
  plainSchema,
  scaleSchema,
  submitSchema,
  SUBMIT_BODY_LIMIT,
} from './schemas.js';
import type { SseStream } from './sse.js';

interface ApiDeps {
  backend: DashboardBackend;
  openStream: (reply: FastifyReply) => SseStream;
}

type ClusterParams = { Params: ClusterRef };
type JobParams = { Params: ClusterRef & { jobId: string } };

const refOf = (p: ClusterRef): ClusterRef => ({ provider: p.provider, workspace: p.workspace, cluster: p.cluster });

export function registerApi(app: FastifyInstance, deps: ApiDeps): void {
  const { backend } = deps;
  app.get(ROUTES.clusters, { schema: plainSchema }, () => backend.listClusters());
  app.get<ClusterParams>(ROUTES.cluster, { schema: clusterSchema }, (req) => backend.clusterView(refOf(req.params)));
  app.get<ClusterParams>(ROUTES.jobs, { schema: clusterSchema }, async (req): Promise<JobsResponse> => ({
    jobs: await backend.listJobs(refOf(req.params)),
  }));
  registerStreams(app, deps);
  registerActions(app, backend);
}

function registerStreams(app: FastifyInstance, { backend, openStream }: ApiDeps): void {
  const { feed } = app.dashboard;
  app.get<ClusterParams>(ROUTES.events, { schema: clusterSchema }, async (req, reply) => {
    const ref = refOf(req.params);
    await backend.requireCluster(ref);
    const stream = openStream(reply);
    const leave = feed.subscribe(ref, (e) => stream.send(e.event, e.data));
    await stream.closed;
    await leave();
  });
  app.get<JobParams>(ROUTES.jobLogs, { schema: jobSchema }, async (req, reply) => {
    const ref = refOf(req.params);
    await backend.requireCluster(ref);
    const stream = openStream(reply);
    try {
      const job = await backend.followJobLogs(ref, req.params.jobId, {
        signal: stream.signal,
        onOutput: (s, text) => stream.send(s === 'stdout' ? 'out' : 'err', { text }),
      });
      stream.send('end', job);
    } catch (err) {
      if (stream.open) stream.send('error', errorResponse(err).body);
    } finally {
      stream.end();
    }
  });
}

function registerActions(app: FastifyInstance, backend: DashboardBackend): void {
  const { actions } = app.dashboard;
  const accept = async (reply: FastifyReply, ref: ClusterRef, title: string, work: () => Promise<string>) => {
    await backend.requireCluster(ref);
    return reply.code(202).send(actions.start(ref, title, work) satisfies ActionAccepted);
  };
  app.post<ClusterParams & { Body: SubmitJobBody }>(
    ROUTES.jobs,
    { schema: submitSchema, bodyLimit: SUBMIT_BODY_LIMIT },
    async (req, reply) => {
      const body = req.body;
      const content = Buffer.from(body.contentBase64, 'base64');
      if (content.length > MAX_JOB_FILE_BYTES) {
        throw new HttpError(413, `${body.fileName} is ${content.length} bytes: job files are at most 16 MiB`);
      }
      const upload = {
        fileName: body.fileName,
        content,
        args: body.args ?? [],
        ...(body.resources !== undefined ? { resources: body.resources } : {}),
      };
      return accept(reply, refOf(req.params), `submit ${body.fileName}`, () =>
        backend.submitJob(refOf(req.params), upload),
      );
    },
  );
  app.post<JobParams>(ROUTES.cancelJob, { schema: jobSchema }, (req, reply) =>
    accept(reply, refOf(req.params), `cancel ${req.params.jobId}`, () =>
      backend.cancelJob(refOf(req.params), req.params.jobId),
    ),
  );
  app.post<ClusterParams & { Body: ScaleBody }>(ROUTES.scale, { schema: scaleSchema }, (req, reply) =>
    accept(reply, refOf(req.params), scaleTitle(req.body), () => backend.scale(refOf(req.params), req.body)),
  );
  app.post<ClusterParams & { Params: { nodeId: string }; Body: KillBody | undefined }>(
    ROUTES.killNode,
    { schema: killSchema },
    (req, reply) =>
      accept(reply, refOf(req.params), `kill worker ${req.params.nodeId}`, () =>
        backend.killNode(refOf(req.params), req.params.nodeId, req.body ?? {}),
      ),
  );
  app.post<ClusterParams>(ROUTES.stop, { schema: clusterSchema }, (req, reply) =>
    accept(reply, refOf(req.params), `stop cluster ${req.params.cluster}`, () => backend.stop(refOf(req.params))),
  );
}

export function scaleTitle(body: ScaleBody): string {
  const type = body.workerType !== undefined ? ` of type ${body.workerType}` : '';
  return body.workers !== undefined
    ? `scale to ${body.workers} worker(s)${type}`
    : `scale to ${body.cpus} CPU(s)${type}`;
}
