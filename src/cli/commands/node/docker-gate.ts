import type { CommandSpec } from '../../command-spec.js';

/** What the cluster's gate container runs (see src/providers/virtual/gate.ts); not for users. */
export const command: CommandSpec = {
  name: 'docker-gate',
  hidden: true,
  description: "serve the cluster's filtered Docker API to its head (runs in the gate container)",
  options: [{ flags: '--socket <path>', description: 'where to listen (default: the gate folder the head mounts)' }],
  async run(_args, opts, ctx) {
    const [{ env }, { CloudtikError }, { connectDocker }, { serveGate }, { GATE_SOCKET }, { createLogger }] =
      await Promise.all([
        import('../../../config/env.js'),
        import('../../../core/errors.js'),
        import('../../../providers/virtual/docker-client.js'),
        import('../../../providers/virtual/gate-server.js'),
        import('../../../providers/virtual/mounts.js'),
        import('../../../node/log.js'),
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
        policy: JSON.parse(raw) as import('../../../providers/virtual/gate-policy.js').GatePolicy,
        engine: await connectDocker(),
        socketPath: typeof opts.socket === 'string' ? opts.socket : GATE_SOCKET,
        log: (level, fields, msg) => log[level](fields, msg),
      },
      ctx.signal,
    );
  },
};
