/**
 * One kept-alive HTTPS agent per set of TLS credentials. `@kubernetes/client-node` makes a new
 * agent for every call and every exec, so each opens its own TLS connection and parses the CA,
 * certificate and key again: measured on a `start` of 1 head + 3 workers, a third of the CLI's CPU
 * time went to TLS, and the API server (on the same cores, for a one-machine cluster) paid a
 * handshake per call. Through a shared agent, calls reuse open connections, new ones (exec
 * upgrades, calls at the same time) resume the TLS session, and the credentials are parsed once.
 */
import crypto from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';

/** TLS options of an agent that make it what it is: the same ones share one agent. */
const IDENTITY = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

type AgentOptions = https.AgentOptions & Record<string, unknown>;

/** The identity options `options` sets. */
function identityOf(options: AgentOptions): https.AgentOptions {
  return Object.fromEntries(IDENTITY.flatMap((name) => (options[name] === undefined ? [] : [[name, options[name]]])));
}

/** A stable digest of identity options (buffers and strings, or lists of them). */
function identityKey(identity: https.AgentOptions): string {
  const hash = crypto.createHash('sha256');
  for (const [name, value] of Object.entries(identity)) {
    const parts: unknown[] = Array.isArray(value) ? value : [value];
    hash.update(`${name}:${parts.length}\0`);
    for (const part of parts) hash.update(materialOf(part));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** What a TLS option holds, to hash: the library passes buffers and strings. */
function materialOf(part: unknown): Buffer | string {
  if (typeof part === 'string' || Buffer.isBuffer(part)) return part;
  return JSON.stringify(part) ?? typeof part;
}

export class AgentPool {
  private readonly agents = new Map<string, https.Agent>();

  /**
   * The shared agent for what `made` would connect with; `made` itself when it is not a plain
   * HTTPS agent (a proxy's, or plain HTTP): those are left as the library made them.
   */
  shared<A>(made: A): A | https.Agent {
    const own: unknown = made;
    if (!(own instanceof https.Agent) || own.constructor !== https.Agent) return made;
    const identity = identityOf((own as https.Agent & { options: AgentOptions }).options);
    own.destroy();
    const key = identityKey(identity);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new https.Agent({
        ...identity,
        keepAlive: true,
        // Parsed once here: tls.connect uses it instead of the ca, cert and key options.
        secureContext: tls.createSecureContext(identity),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }
}
