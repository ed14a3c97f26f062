/**
 * What a failed ssh connection means, read from ssh's own message (exit code 255), each kind
 * with its own error and hint. Pure: the runner passes what ssh printed.
 */
import { CloudtikError } from '../errors.js';
import { forgetHostCommand, type PinnedKey } from './ssh-known-hosts.js';
import { quoteArgs } from './shell.js';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  knownHostsPath: string;
}

export type SshFailureKind = 'refused' | 'timeout' | 'auth' | 'host-key' | 'unreachable' | 'other';

const PATTERNS: [SshFailureKind, RegExp][] = [
  ['host-key', /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/],
  ['auth', /Permission denied \(([^)]*)\)/],
  ['refused', /Connection refused/],
  ['timeout', /timed out|Connection timed out/i],
  ['unreachable', /No route to host|Network is unreachable|Could not resolve hostname|Name or service not known/],
];

/** The kind of an ssh failure from its stderr; undefined when ssh did not fail to connect. */
export function sshFailureKind(stderr: string): SshFailureKind | undefined {
  for (const [kind, re] of PATTERNS) if (re.test(stderr)) return kind;
  return /^(ssh|kex_exchange_identification|Connection closed|Connection reset|banner exchange)/m.test(stderr)
    ? 'other'
    : undefined;
}

/** Retrying helps a host that is still booting; not a wrong key or a changed host key. */
export function isRetryable(kind: SshFailureKind): boolean {
  return kind === 'refused' || kind === 'timeout' || kind === 'unreachable' || kind === 'other';
}

/** `ssh -i KEY -p PORT user@host`: what to run by hand to see the same thing. */
export function manualSsh(e: SshEndpoint): string {
  const key = e.privateKeyPath ? ['-i', e.privateKeyPath] : [];
  return quoteArgs(['ssh', ...key, '-p', String(e.port), `${e.user}@${e.host}`]);
}

/** The error for a failed connection; `pinned` lists the host's keys in the workspace file. */
export function sshFailureError(
  kind: SshFailureKind,
  e: SshEndpoint,
  context: { stderr: string; seconds: number; pinned?: PinnedKey[] },
): CloudtikError {
  const where = `host ${e.host}:${e.port}`;
  const tryIt = `try: ${manualSsh(e)}`;
  const last = context.stderr.trim().split('\n').filter(Boolean).slice(-3);
  const after = `after ${context.seconds} s`;
  switch (kind) {
    case 'refused':
      return new CloudtikError('ERR_CLOUDTIK_SSH', `${where}: connection refused ${after}`, {
        hint: `is sshd running and listening on port ${e.port} (auth.ssh_port)? ${tryIt}`,
      });
    case 'timeout':
      return new CloudtikError('ERR_CLOUDTIK_SSH', `${where}: no SSH answer ${after} (timed out)`, {
        hint: `check that the host is up and reachable from here (firewall, auth.ssh_proxy_command); ${tryIt}`,
      });
    case 'auth': {
      const methods = /Permission denied \(([^)]*)\)/.exec(context.stderr)?.[1] ?? 'publickey';
      return new CloudtikError(
        'ERR_CLOUDTIK_SSH',
        `permission denied (${methods}) for ${e.user}@${e.host}:${e.port}; check auth.ssh_private_key`,
        {
          hint: `the host must have the public key of ${e.privateKeyPath ?? 'your default key'} in ~${e.user}/.ssh/authorized_keys (auth.ssh_user: ${e.user}); ${tryIt}`,
        },
      );
    }
    case 'host-key':
      return hostKeyError(e, context.pinned ?? []);
    case 'unreachable':
    case 'other':
      return new CloudtikError('ERR_CLOUDTIK_SSH', `${where}: cannot connect ${after}`, { details: last, hint: tryIt });
  }
}

function hostKeyError(e: SshEndpoint, pinned: PinnedKey[]): CloudtikError {
  const lines = pinned.map((p) => p.line).join(', ');
  const at = lines === '' ? e.knownHostsPath : `${e.knownHostsPath} line ${lines}`;
  return new CloudtikError(
    'ERR_CLOUDTIK_SSH',
    `host ${e.host}:${e.port}: host key changed since it was pinned in ${at}; refusing to connect`,
    {
      hint: `someone may be intercepting the connection. If the host was reinstalled or its keys replaced on purpose, forget the old key and connect again: ${forgetHostCommand(e.knownHostsPath, e.host, e.port)}`,
    },
  );
}
