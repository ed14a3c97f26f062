import { env } from '../../config/env.js';
import { CloudtikError } from '../../core/errors.js';
import type { ProviderNodeCommand } from '../provider.js';

/**
 * `cloudtik node docker-gate`: what the cluster's gate container runs (see gate.ts), serving the
 * cluster's filtered Docker API to its head; not for users.
 */
export const dockerGateCommand: ProviderNodeCommand = async (opts, signal) => {
  const [{ connectDocker }, { serveGate }, { GATE_SOCKET }, { createLogger }] = await Promise.all([
    import('./docker-client.js'),
    import('./gate-server.js'),
    import('./mounts.js'),
    import('../../node/log.js'),
  ]);
  const raw = env.gatePolicy();
  if (raw === undefined) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'CLOUDTIK_GATE_POLICY is not set', {
      hint: 'the gate container is made by cloudtik start, which sets it',
    });
  }
  const log = createLogger({ service: 'docker-gate', pid: process.pid });
  await serveGate(
    {
      policy: JSON.parse(raw) as import('./gate-policy.js').GatePolicy,
      engine: await connectDocker(),
      socketPath: typeof opts.socket === 'string' ? opts.socket : GATE_SOCKET,
      log: (level, fields, msg) => log[level](fields, msg),
    },
    signal,
  );
};
