/** Small questions to the network. */
import net from 'node:net';

/** Whether `host:port` takes a TCP connection within `timeoutMs`. */
export function portAnswers(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** `host:port`, `[v6]:port` or a bare host (`defaultPort` then) as host and port. Pure. */
export function splitHostPort(address: string, defaultPort: number): { host: string; port: number } {
  const a = address.trim();
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(a) ?? /^([^:]+)(?::(\d+))?$/.exec(a);
  if (!match) return { host: a, port: defaultPort }; // an IPv6 address without brackets
  return { host: match[1]!, port: match[2] === undefined ? defaultPort : Number(match[2]) };
}
