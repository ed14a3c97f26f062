/**
 * `attach --port-forward` on a kubernetes node: each local port (on loopback) forwards every
 * connection to the same port on the pod, through the API's portforward subresource (as
 * `kubectl port-forward` does), for as long as the terminal is open.
 */
import net from 'node:net';
import { CloudtikError } from '../../core/errors.js';
import type { ExecSocket, KubeApi } from './api.js';

/** Open the forwards; the function it resolves with closes them (and their connections). */
export async function forwardPorts(
  api: KubeApi,
  target: { namespace: string; pod: string },
  ports: readonly number[],
): Promise<() => void> {
  if (ports.length === 0) return () => undefined;
  const forward = new api.lib.PortForward(api.config);
  const sockets = new Set<net.Socket>();
  const servers: net.Server[] = [];
  const closeAll = (): void => {
    for (const s of servers) s.close();
    for (const s of sockets) s.destroy();
  };
  try {
    for (const port of ports) {
      const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        // The same web socket as an exec's (typed in api.ts: the library's type does not resolve).
        (forward.portForward(target.namespace, target.pod, [port], socket, null, socket) as Promise<unknown>)
          .then((ws) => (ws as ExecSocket).on('close', () => socket.end()))
          .catch(() => socket.destroy());
      });
      servers.push(server);
      await listen(server, port);
    }
  } catch (err) {
    closeAll();
    throw err;
  }
  return closeAll;
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CloudtikError('ERR_CLOUDTIK_USAGE', `cannot forward local port ${port}: ${err.code ?? err.message}`, {
          hint:
            err.code === 'EADDRINUSE'
              ? `another program listens on ${port} here: stop it, or forward another port`
              : undefined,
        }),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
