import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { forgetHostCommand, hostPattern, knownHostsPath, pinnedKeys } from './ssh-known-hosts.js';
import { sshFailureError, sshFailureKind } from './ssh-errors.js';

const KEY_A = 'AAAAC3NzaC1lZDI1NTE5AAAAIKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const KEY_B = 'AAAAC3NzaC1lZDI1NTE5AAAAIKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

/** A hashed host field as OpenSSH writes it with HashKnownHosts=yes. */
function hashed(pattern: string): string {
  const salt = crypto.randomBytes(20);
  return `|1|${salt.toString('base64')}|${crypto.createHmac('sha1', salt).update(pattern).digest('base64')}`;
}

describe('known hosts', () => {
  it('lives in the workspace state folder', () => {
    expect(knownHostsPath('/home/u/.cloudtik/local/ws')).toBe('/home/u/.cloudtik/local/ws/known_hosts');
  });

  it('names port 22 by address and other ports in brackets, as OpenSSH does', () => {
    expect(hostPattern('10.0.0.7', 22)).toBe('10.0.0.7');
    expect(hostPattern('10.0.0.7', 2222)).toBe('[10.0.0.7]:2222');
  });

  it('finds the pinned key of a host: none before first use, then the line written for it', () => {
    expect(pinnedKeys('', '10.0.0.7', 22)).toEqual([]);
    const text = [
      '# comment',
      `10.0.0.8 ssh-ed25519 ${KEY_B}`,
      `10.0.0.7 ssh-ed25519 ${KEY_A}`,
      `[10.0.0.7]:2222 ssh-ed25519 ${KEY_B}`,
    ].join('\n');
    expect(pinnedKeys(text, '10.0.0.7', 22)).toEqual([{ line: 3, keyType: 'ssh-ed25519', key: KEY_A }]);
    expect(pinnedKeys(text, '10.0.0.7', 2222)).toEqual([{ line: 4, keyType: 'ssh-ed25519', key: KEY_B }]);
    expect(pinnedKeys(text, '10.0.0.70', 22)).toEqual([]);
  });

  it('reads host lists, hashed entries, and skips markers', () => {
    const text = [
      `h1,10.0.0.7 ssh-ed25519 ${KEY_A}`,
      `${hashed('[10.0.0.9]:2200')} ssh-ed25519 ${KEY_B}`,
      `@revoked 10.0.0.7 ssh-ed25519 ${KEY_B}`,
    ].join('\n');
    expect(pinnedKeys(text, '10.0.0.7', 22).map((k) => k.key)).toEqual([KEY_A]);
    expect(pinnedKeys(text, '10.0.0.9', 2200).map((k) => k.line)).toEqual([2]);
    expect(pinnedKeys(text, '10.0.0.9', 22)).toEqual([]);
  });

  it('tells how to forget a host whose key changed on purpose', () => {
    expect(forgetHostCommand('/ws dir/known_hosts', '10.0.0.7', 2222)).toBe(
      "ssh-keygen -f '/ws dir/known_hosts' -R '[10.0.0.7]:2222'",
    );
  });
});

const endpoint = {
  host: '10.0.0.7',
  port: 22,
  user: 'ubuntu',
  privateKeyPath: '/k/id',
  knownHostsPath: '/ws/known_hosts',
};

describe('ssh failures', () => {
  it.each([
    ['ssh: connect to host 10.0.0.7 port 22: Connection refused', 'refused'],
    ['ssh: connect to host 10.0.0.7 port 22: Connection timed out', 'timeout'],
    ['Connection timed out during banner exchange', 'timeout'],
    ['ubuntu@10.0.0.7: Permission denied (publickey,password).', 'auth'],
    ['@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.', 'host-key'],
    ['ssh: connect to host 10.0.0.7 port 22: No route to host', 'unreachable'],
    ['kex_exchange_identification: read: Connection reset by peer', 'other'],
    ['tar: x: Cannot stat: No such file or directory', undefined],
  ])('%j is %s', (stderr, kind) => {
    expect(sshFailureKind(stderr)).toBe(kind);
  });

  it('says refused, with the port, the time waited and the command to try by hand', () => {
    const e = sshFailureError('refused', endpoint, { stderr: '', seconds: 30 });
    expect(e.code).toBe('ERR_CLOUDTIK_SSH');
    expect(e.message).toBe('host 10.0.0.7:22: connection refused after 30 s');
    expect(e.hint).toContain('try: ssh -i /k/id -p 22 ubuntu@10.0.0.7');
  });

  it('says a wrong key is a permission problem of the configured key', () => {
    const e = sshFailureError('auth', endpoint, {
      stderr: 'ubuntu@10.0.0.7: Permission denied (publickey).',
      seconds: 0,
    });
    expect(e.message).toBe('permission denied (publickey) for ubuntu@10.0.0.7:22; check auth.ssh_private_key');
  });

  it('says a changed host key is refused, where it was pinned, and how to forget it', () => {
    const e = sshFailureError('host-key', endpoint, {
      stderr: 'Host key verification failed.',
      seconds: 0,
      pinned: [{ line: 3, keyType: 'ssh-ed25519', key: KEY_A }],
    });
    expect(e.message).toBe(
      'host 10.0.0.7:22: host key changed since it was pinned in /ws/known_hosts line 3; refusing to connect',
    );
    expect(e.hint).toContain('ssh-keygen -f /ws/known_hosts -R 10.0.0.7');
  });

  it('says a timeout is a timeout', () => {
    expect(sshFailureError('timeout', endpoint, { stderr: '', seconds: 5 }).message).toBe(
      'host 10.0.0.7:22: no SSH answer after 5 s (timed out)',
    );
  });
});
