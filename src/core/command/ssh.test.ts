import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildNodeScript } from './shell.js';
import os from 'node:os';
import { createSshRunner, remoteCommand, remotePath, sshTargetFromAuth } from './ssh.js';
import { HOSTILE_VALUES } from './hostile.fixtures.js';

const HOSTILE = HOSTILE_VALUES;

const target = {
  nodeId: 'n1',
  host: '10.0.0.7',
  user: 'ubuntu',
  privateKeyPath: '/keys/id key',
  knownHostsPath: '/ws/known_hosts',
  controlDir: '/tmp/ctl',
};

/** What the host does with our command line and stdin: the login shell runs `remoteCommand`. */
function asHost(stdin: string): { status: number | null; stdout: string } {
  const r = spawnSync('bash', ['-c', remoteCommand(false)], {
    input: stdin,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: '/nonexistent' },
  });
  return { status: r.status, stdout: r.stdout };
}

describe('the command sent over ssh', () => {
  it('round-trips hostile environment values exactly through the stdin wrapper', () => {
    const env = Object.fromEntries(HOSTILE.map((v, i) => [`V${i}`, v]));
    const script = buildNodeScript({
      env,
      command: `for i in $(seq 0 ${HOSTILE.length - 1}); do n=V$i; printf '%s\\0' "\${!n}"; done`,
    });
    const r = asHost(`${script}\0`);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
  });

  it('gives the command what follows the script on stdin, and its exit code', () => {
    const r = asHost(`${buildNodeScript({ command: 'cat; exit 7' })}\0line 1\n$(not run)\n`);
    expect(r).toEqual({ status: 7, stdout: 'line 1\n$(not run)\n' });
  });

  it('runs root commands through sudo -n (never prompting), from /', () => {
    expect(remoteCommand(true)).toBe(`cd / && exec sudo -n -H -- ${remoteCommand(false).replace(/^exec /, '')}`);
  });

  it.each(HOSTILE.filter((v) => v !== ''))('quotes node path %j for the remote shell', (value) => {
    for (const p of [`/tmp/${value}`, `~/${value}`]) {
      const out = execFileSync('bash', ['-c', `printf '%s' ${remotePath(p)}`], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: '/home/u' },
      });
      expect(out).toBe(p.replace(/^~/, '/home/u'));
    }
  });
});

describe('ssh options', () => {
  const opts = createSshRunner(target).sshOptions();
  const values = opts.filter((_, i) => opts[i - 1] === '-o');

  it('pins host keys in the workspace file, never skipping the check', () => {
    expect(values).toContain('StrictHostKeyChecking=accept-new');
    expect(values).toContain('UserKnownHostsFile=/ws/known_hosts');
    expect(opts.join(' ')).not.toMatch(/StrictHostKeyChecking=no|\/dev\/null/);
  });

  it('shares one connection per host, key and workspace, in the private folder', () => {
    const path = values.find((v) => v.startsWith('ControlPath='));
    expect(path).toMatch(/^ControlPath=\/tmp\/ctl\/[0-9a-f]{16}$/);
    const other = createSshRunner({ ...target, privateKeyPath: '/keys/other' }).sshOptions();
    const otherWs = createSshRunner({ ...target, knownHostsPath: '/ws2/known_hosts' }).sshOptions();
    expect(other).not.toContain(path);
    expect(otherWs).not.toContain(path);
  });

  it('keeps the socket path short enough for a Unix socket, whatever the home folder', () => {
    const deep = createSshRunner({ ...target, controlDir: `/tmp/${'d'.repeat(80)}` }).sshOptions();
    const socket = deep.find((v) => v.startsWith('ControlPath='))?.slice('ControlPath='.length) ?? '';
    expect(socket.length + 17).toBeLessThan(104);
  });

  it('passes key path, port, proxy command and never prompts', () => {
    const o = createSshRunner({ ...target, port: 2222, proxyCommand: 'nc -X 5 -x proxy:1080 %h %p' }).sshOptions();
    expect(o.slice(0, 2)).toEqual(['-i', '/keys/id key']);
    expect(o[o.indexOf('-p') + 1]).toBe('2222');
    expect(o).toContain('ProxyCommand=nc -X 5 -x proxy:1080 %h %p');
    expect(o).toContain('BatchMode=yes');
  });

  it('attach argv: a terminal, forwarded ports, the command as one quoted word', () => {
    const argv = createSshRunner(target).interactiveShellArgv('echo "$HOME"', { forwardPorts: [8080, 9870] });
    expect(argv[0]).toBe('ssh');
    expect(argv).toContain('-t');
    expect(argv.join(' ')).toContain('-L 8080:localhost:8080 -L 9870:localhost:9870 ubuntu@10.0.0.7 --');
    expect(argv.at(-1)).toMatch(/^bash -c '/);
  });
});

describe('sshTargetFromAuth', () => {
  const node = { nodeId: 'h1', host: '10.0.0.7' };
  const where = { knownHostsPath: '/ws/known_hosts', configDir: '/cfg' };

  it('maps CloudTik auth keys, port 22 by default', () => {
    expect(sshTargetFromAuth({ ssh_user: 'ubuntu' }, node, where)).toEqual({
      ...node,
      user: 'ubuntu',
      port: 22,
      privateKeyPath: undefined,
      proxyCommand: undefined,
      knownHostsPath: '/ws/known_hosts',
    });
  });

  it('resolves the key path (home, relative to the config) and reads the port as a number', () => {
    const auth = {
      ssh_user: 'u',
      ssh_port: '2222' as unknown as number,
      ssh_private_key: 'keys/id',
      ssh_proxy_command: 'nc %h %p',
    };
    expect(sshTargetFromAuth(auth, node, where)).toMatchObject({
      port: 2222,
      privateKeyPath: '/cfg/keys/id',
      proxyCommand: 'nc %h %p',
    });
    expect(sshTargetFromAuth({ ssh_user: 'u', ssh_private_key: '~/.ssh/k' }, node, where).privateKeyPath).toBe(
      `${os.homedir()}/.ssh/k`,
    );
  });
});
