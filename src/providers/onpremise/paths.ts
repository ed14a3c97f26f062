/**
 * Where the host-pool service keeps its files on the machine it runs on, and where a client on the
 * same machine finds them: `~/.cloudtik/onpremise/` (CloudTik's folder for the simulator's state).
 */
import path from 'node:path';
import { env } from '../../config/env.js';

export function poolDir(): string {
  return path.join(env.home(), 'onpremise');
}

export const poolFiles = {
  /** Which host serves which cluster, their tags, the workspaces (JSON, CloudTik's shape). */
  state: (): string => path.join(poolDir(), 'cloudtik-cloud-simulator.state'),
  /** The bearer token, made on the first start (mode 0600). */
  token: (): string => path.join(poolDir(), 'cloudtik-cloud-simulator.token'),
  /** The running service's pid, address and pool file (mode 0600); removed when it stops. */
  process: (): string => path.join(poolDir(), 'cloudtik-cloud-simulator.process'),
  /** The service's log: requests it refused and why, launches, reloads. */
  log: (): string => path.join(poolDir(), 'logs', 'cloudtik-cloud-simulator.log'),
};
