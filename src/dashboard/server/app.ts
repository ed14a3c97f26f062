/**
 * The dashboard's HTTP server: a fastify app whose route schemas validate every request, guarded
 * by the token and the origin rules of the contract, serving the page, the API, the event streams
 * and the actions. `buildDashboard` returns the app unstarted, so tests drive it with `inject()`.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { packageRoot } from '../../version.js';
import { ROUTES, type ErrorResponse } from '../contract.js';
import { ActionRunner } from './actions.js';
import { HttpError, type DashboardBackend } from './backend.js';
import { ClusterFeed, type FeedOptions } from './feed.js';
import { registerApi } from './routes.js';
import { decideAccess } from './security.js';
import { errorResponse } from './errors.js';
import { assetSchema, plainSchema, SMALL_BODY_LIMIT } from './schemas.js';
import { SseStream } from './sse.js';

export interface DashboardOptions {
  token: string;
  backend: DashboardBackend;
  /** `http://127.0.0.1:<port>`; when absent, the address the app listens on. */
  origin?: string;
  /** Where the built page is (index.html and its assets); default the package's dist/dashboard/page. */
  pageDir?: string;
  feed?: FeedOptions;
  /** ms between two `: ping` lines on streams. */
  pingMs?: number;
}

/** What every response carries. */
export const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};

/** The page loads only its own files and talks only to its own server. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** What the app holds besides fastify's own: for the command and the tests. */
export interface DashboardParts {
  feed: ClusterFeed;
  actions: ActionRunner;
  /** Streams open now. */
  streams: Set<SseStream>;
}

declare module 'fastify' {
  interface FastifyInstance {
    dashboard: DashboardParts;
  }
}

export function buildDashboard(o: DashboardOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: SMALL_BODY_LIMIT,
    return503OnClosing: true,
    // On close, keep-alive connections go at once (a page's idle fetch connection would hold it up).
    forceCloseConnections: true,
    // Refuse what the schemas do not allow, rather than dropping or converting it quietly.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
  });
  const feed = new ClusterFeed(o.backend, o.feed);
  const actions = new ActionRunner((ref, e) => feed.publishAction(ref, e));
  const streams = new Set<SseStream>();
  app.decorate('dashboard', { feed, actions, streams });
  const origin = (): string => o.origin ?? listeningOrigin(app);

  app.addHook('onRequest', async (req, reply) => {
    void reply.headers(SECURITY_HEADERS);
    const decision = decideAccess(requestFacts(req), { token: o.token, origin: origin() });
    if (!decision.ok) return reply.code(decision.status).send({ error: decision.error } satisfies ErrorResponse);
  });
  app.setErrorHandler(async (err, _req, reply) => {
    const { status, body } = errorResponse(err);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler(async (req, reply) =>
    reply
      .code(404)
      .send({ error: `no such page: ${req.method} ${req.url.split('?')[0] ?? ''}` } satisfies ErrorResponse),
  );
  // Streams are hijacked from fastify: end them first, or closing would wait for them forever.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
    await feed.close();
  });

  const pageDir = o.pageDir ?? path.join(packageRoot(), 'dist', 'dashboard', 'page');
  app.get(ROUTES.page, { schema: plainSchema }, async (_req, reply) => {
    const html = await readPageFile(pageDir, 'index.html');
    return reply.header('content-security-policy', PAGE_CSP).type(CONTENT_TYPES['.html']!).send(html);
  });
  app.get<{ Params: { file: string } }>(ROUTES.asset, { schema: assetSchema }, async (req, reply) => {
    const file = req.params.file;
    const body = await readPageFile(pageDir, file);
    return reply.type(CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream').send(body);
  });

  registerApi(app, {
    backend: o.backend,
    openStream: (reply) => openStream(reply, streams, o.pingMs),
  });
  return app;
}

/** The origin of the address the app listens on (the command binds a loopback IP literal). */
function listeningOrigin(app: FastifyInstance): string {
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') return 'http://127.0.0.1';
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}

function requestFacts(req: FastifyRequest): Parameters<typeof decideAccess>[0] {
  const query = req.query as Record<string, unknown> | undefined;
  const token = query?.token;
  return {
    method: req.method,
    path: req.url.split('?')[0] ?? '',
    host: req.headers.host,
    origin: req.headers.origin,
    authorization: req.headers.authorization,
    queryToken: typeof token === 'string' ? token : Array.isArray(token) ? String(token[0]) : undefined,
  };
}

async function readPageFile(dir: string, file: string): Promise<Buffer> {
  // The schema allows plain file names only; resolve and check all the same.
  const full = path.resolve(dir, file);
  if (path.dirname(full) !== path.resolve(dir)) throw new HttpError(404, `no such file: ${file}`);
  try {
    return await fsp.readFile(full);
  } catch {
    throw new HttpError(
      404,
      file === 'index.html' ? `the dashboard's page is not built (${full} is missing)` : `no such file: ${file}`,
      file === 'index.html' ? 'run npm run build' : undefined,
    );
  }
}

/** Take the response over from fastify and open an event stream on it. */
function openStream(reply: FastifyReply, streams: Set<SseStream>, pingMs?: number): SseStream {
  reply.hijack();
  const headers = Object.fromEntries(
    Object.entries(reply.getHeaders()).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
  );
  const stream = new SseStream(reply.raw, headers, pingMs);
  streams.add(stream);
  void stream.closed.then(() => streams.delete(stream));
  return stream;
}
