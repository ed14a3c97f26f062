/**
 * The coordinator's way to its own discovery service (Trino and Presto alike). The coordinator
 * serves discovery itself, and its discovery client keeps each service list it asks for until the
 * answer's `Cache-Control: max-age` has passed, or 10 s when the answer has none, which is what the
 * embedded server gives. A worker that has announced itself is therefore counted up to 10 s late,
 * and so is the coordinator itself after its start (it is not in its own list before). On the head,
 * the coordinator's `discovery.uri` names this relay on the loopback address: every request goes on
 * to the coordinator unchanged, and the service lists come back with a max-age of one second. The
 * workers announce themselves to the coordinator directly.
 */
import http from 'node:http';
import { COORDINATOR_PORT, DISCOVERY_RELAY_PORT } from './settings.js';

/** How long the coordinator keeps a service list (seconds). */
export const SERVICE_LIST_MAX_AGE_S = 1;

/** The headers the relay answers with: the coordinator's, with a max-age on a service list it gave. Pure. */
export function relayedHeaders(
  request: { method?: string; url?: string },
  status: number,
  headers: http.IncomingHttpHeaders,
): http.IncomingHttpHeaders {
  const list = request.method === 'GET' && (request.url ?? '').startsWith('/v1/service') && status === 200;
  if (!list) return headers;
  return { ...headers, 'cache-control': `max-age=${SERVICE_LIST_MAX_AGE_S}` };
}

/**
 * Listen on `127.0.0.1:<port>` and pass every request on to the coordinator at
 * `127.0.0.1:<target>`; resolves once listening. A request the coordinator does not take (it is
 * still starting) is answered 502, which its discovery client retries.
 */
export async function startDiscoveryRelay(
  port = DISCOVERY_RELAY_PORT,
  target = COORDINATOR_PORT,
): Promise<http.Server> {
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        const status = answer.statusCode ?? 502;
        res.writeHead(status, relayedHeaders(req, status, answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.on('close', () => agent.destroy());
  return server;
}
