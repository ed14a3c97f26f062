import { env } from '../../config/env.js';
import { CloudtikError } from '../../core/errors.js';
import { DockerEngine, type EngineEndpoint } from './engine.js';

/** Oldest engine API we support (Debian 12's docker.io 20.10). */
export const MIN_DOCKER_API = '1.41';

function compareApi(a: string, b: string): number {
  const [aMaj = 0, aMin = 0] = a.split('.').map(Number);
  const [bMaj = 0, bMin = 0] = b.split('.').map(Number);
  return aMaj !== bMaj ? aMaj - bMaj : aMin - bMin;
}

/** Where the engine named by `DOCKER_HOST` (or the default socket) listens. */
export function dockerEndpoint(): EngineEndpoint {
  const host = env.dockerHost();
  if (host === undefined) return { socketPath: '/var/run/docker.sock' };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = new URL(host);
  if (url.protocol === 'ssh:') {
    return {
      ssh: { host: url.hostname, port: url.port === '' ? 22 : Number(url.port), username: url.username || undefined },
    };
  }
  return { host: url.hostname, port: Number(url.port === '' ? 2375 : url.port) };
}

/**
 * A client of the engine named by `DOCKER_HOST` (or the default socket), proven with a version
 * call and refused when its API is older than {@link MIN_DOCKER_API}.
 */
export async function connectDocker(): Promise<DockerEngine> {
  const docker = new DockerEngine(dockerEndpoint());
  let apiVersion: string;
  try {
    const version = await docker.version();
    apiVersion = version.ApiVersion;
  } catch (err) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_DOCKER_UNAVAILABLE',
      `no Docker engine answers at ${env.dockerHost() ?? 'unix:///var/run/docker.sock'}`,
      {
        cause: err,
        hint: 'start the engine (dockerd), or run `bash dev/setup-all.sh` to install and start it',
      },
    );
  }
  if (compareApi(apiVersion, MIN_DOCKER_API) < 0) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_DOCKER_UNAVAILABLE',
      `the Docker engine speaks API ${apiVersion}, older than ${MIN_DOCKER_API}`,
      {
        hint: 'upgrade Docker to 20.10 or newer',
      },
    );
  }
  return docker;
}

/** True for engine errors with the given HTTP status (404 not found, 304 not modified, 409 conflict). */
export function isDockerStatus(err: unknown, status: number): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: number }).statusCode === status;
}
