/**
 * The `local` provider over real SSH: four test hosts (plain Debian with sshd and a sudo user,
 * nothing of ours), the CLI installed on the first and run there, as a user runs `cloudtik start`
 * on the first machine of their cluster. Nothing in the CLI can reach Docker: the hosts have no
 * engine and no socket, so every step goes over SSH. The test itself looks at the hosts through
 * Docker (to check processes), which the code under test never does.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner, type SshRunner } from '../src/core/command/ssh.js';
import { knownHostsPath } from '../src/core/command/ssh-known-hosts.js';
import { nullSink } from '../src/core/events.js';
import { installHost } from '../src/core/host/install.js';
import { eventually, tempDir } from './helpers.js';
import { startSshHosts, type SshHost, type SshHosts } from './ssh-hosts.js';

interface StatusJson {
  nodes: { id: string; kind: string; ip: string; status: string }[];
}

let hosts: SshHosts;
let first: SshRunner;
let dir: string;

const CLUSTER = 'lc';
const KEY_ON_HEAD = '/home/ubuntu/.ssh/id_hosts';

function clusterYaml(list: SshHost[], extra = ''): string {
  return `cluster_name: ${CLUSTER}
provider:
  type: local
  nodes:
${list.map((h) => `    - ip: ${h.ip}`).join('\n')}
auth:
  ssh_user: ubuntu
  ssh_private_key: ${KEY_ON_HEAD}
options:
  idle_timeout_minutes: 0.05
available_node_types:
  worker.default:
    min_workers: 1
runtime:
  types: []
${extra}`;
}

/** `cloudtik ARGS` on the first host, as its user; output and exit code. */
async function onHead(args: string, timeoutS = 600): Promise<{ code: number; out: string }> {
  const r = await first.run({ command: `timeout ${timeoutS} cloudtik ${args} 2>&1` });
  return { code: r.exitCode, out: r.stdout };
}

async function headOk(args: string, timeoutS?: number): Promise<string> {
  const r = await onHead(args, timeoutS);
  if (r.code !== 0) throw new Error(`cloudtik ${args} failed (exit ${r.code}):\n${r.out}`);
  return r.out;
}

async function putYaml(name: string, text: string): Promise<void> {
  const local = path.join(dir, name);
  await fsp.writeFile(local, text);
  await first.upload(local, `/home/ubuntu/${name}`);
}

/** Whether the node agent runs on a host (its pid file names a live process). */
async function agentRuns(host: SshHost): Promise<boolean> {
  const r = await hosts.rootShell(
    host,
    'kill -0 "$(cut -d" " -f1 /home/ubuntu/runtime/cloudtik/run/agent.pid)" 2>/dev/null',
  );
  return r.code === 0;
}

/** The state of each listed host in the hosts' state file on the first host. */
async function hostStates(): Promise<string[]> {
  const state = await first.run({ command: 'cat ~/.cloudtik/local/cloudtik-local-scheduler.state' });
  return Object.values((JSON.parse(state.stdout) as { nodes: Record<string, { state: string }> }).nodes).map(
    (n) => n.state,
  );
}

async function status(): Promise<StatusJson> {
  return JSON.parse(await headOk('status ~/cluster.yaml --json')) as StatusJson;
}

/** Processes a host runs for the cluster (our supervisor, agent, controller, state store). */
async function ourProcesses(host: SshHost): Promise<string[]> {
  const r = await hosts.rootShell(
    host,
    "ps -eo user=,args= | grep -E 'cloudtik|redis-server|supervise' | grep -v grep || true",
  );
  return r.stdout.split('\n').filter((l) => l.trim() !== '' && !l.includes('sshd'));
}

describe('local provider over SSH', () => {
  beforeAll(async () => {
    dir = await tempDir('local');
    hosts = await startSshHosts(4, 'local');
    const h0 = hosts.hosts[0]!;
    first = createSshRunner({
      nodeId: h0.ip,
      host: h0.ip,
      user: h0.user,
      privateKeyPath: hosts.keyPath,
      knownHostsPath: knownHostsPath(path.join(dir, 'ws')),
    });
    // The user's own step: the first machine gets Node and cloudtik (the installer nodes use).
    await installHost({ runner: first, runtimes: [], sink: nullSink });
    await first.upload(hosts.keyPath, KEY_ON_HEAD);
    await first.run({ command: `chmod 0600 ${KEY_ON_HEAD}` });
  }, 900_000);

  afterAll(async () => {
    await hosts?.remove();
  });

  it('starts a head and a worker on the listed hosts, then a second start sets up nothing', async () => {
    await putYaml('cluster.yaml', clusterYaml(hosts.hosts));
    await headOk('start ~/cluster.yaml -y', 900);
    const s = await status();
    expect(s.nodes.filter((n) => n.kind === 'head').map((n) => n.ip)).toEqual([hosts.hosts[0]!.ip]);
    expect(s.nodes.filter((n) => n.kind === 'worker')).toHaveLength(1);
    expect(s.nodes.every((n) => n.status === 'up-to-date')).toBe(true);
    const again = await headOk('start ~/cluster.yaml -y', 300);
    expect(again).toMatch(/no change|skip/i);
  }, 1_200_000);

  it('exec reaches every host, and attach opens a shell on a worker in a real terminal', async () => {
    const all = await headOk("exec ~/cluster.yaml --all-nodes 'hostname -I'");
    const ips = (await status()).nodes.map((n) => n.ip);
    for (const ip of ips) expect(all).toContain(ip);
    const worker = (await status()).nodes.find((n) => n.kind === 'worker')!;
    const shell = await first.run({
      command: `printf 'echo "ATTACHED $(hostname -I) tty=$(tty)"; exit\\n' | timeout 60 script -qec 'cloudtik attach ~/cluster.yaml --node-ip ${worker.ip}' /dev/null`,
    });
    expect(shell.stdout).toMatch(new RegExp(`ATTACHED ${worker.ip.replaceAll('.', '\\.')}\\s.*tty=/dev/pts/`));
  }, 300_000);

  it('a worker whose services died gets its start commands run again by the head', async () => {
    const worker = (await status()).nodes.find((n) => n.kind === 'worker')!;
    const host = hosts.hosts.find((h) => h.ip === worker.ip)!;
    const killed = await hosts.rootShell(host, "su - ubuntu -c 'cloudtik node stop --services --kill'");
    expect(killed.stdout).toContain('agent');
    expect(await agentRuns(host)).toBe(false);
    await eventually('the agent runs again', 150_000, async () => ((await agentRuns(host)) ? true : undefined));
  }, 300_000);

  it('scale adds a host and idle workers give theirs back', async () => {
    await headOk('scale ~/cluster.yaml --workers 2', 600);
    expect((await status()).nodes.filter((n) => n.kind === 'worker')).toHaveLength(2);
    await headOk('scale ~/cluster.yaml --workers 0 --no-wait');
    const left = await eventually('one worker again', 180_000, async () => {
      const w = (await status()).nodes.filter((n) => n.kind === 'worker');
      return w.length === 1 ? w : undefined;
    });
    const kept = new Set([hosts.hosts[0]!.ip, left[0]!.ip]);
    for (const h of hosts.hosts.filter((x) => !kept.has(x.ip))) expect(await ourProcesses(h)).toEqual([]);
  }, 900_000);

  it('stop leaves no process of ours on any host and gives every host back', async () => {
    await headOk('stop ~/cluster.yaml -y', 300);
    for (const h of hosts.hosts) expect(await ourProcesses(h)).toEqual([]);
    expect(await hostStates()).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
  }, 600_000);

  it('a wrong key, a closed port and a changed host key each fail clearly and leave nothing', async () => {
    await first.run({ command: "rm -f ~/.ssh/other && ssh-keygen -q -t ed25519 -N '' -f ~/.ssh/other" });
    const cases: Array<[string, string, RegExp, RegExp]> = [
      [
        'wrong-key.yaml',
        'ssh_private_key: /home/ubuntu/.ssh/other',
        /permission denied \(publickey[^)]*\) for ubuntu@/,
        /check auth.ssh_private_key/,
      ],
      ['closed-port.yaml', 'ssh_port: 2222', /:2222: connection refused after \d+ s/, /try: ssh -i/],
    ];
    for (const [file, authLine, message, hint] of cases) {
      const yaml = clusterYaml(hosts.hosts).replace(
        `ssh_private_key: ${KEY_ON_HEAD}`,
        authLine === 'ssh_port: 2222' ? `ssh_private_key: ${KEY_ON_HEAD}\n  ${authLine}` : authLine,
      );
      await putYaml(file, yaml);
      const r = await onHead(`start ~/${file} -y`, 300);
      expect(r.code, r.out).not.toBe(0);
      expect(r.out).toMatch(message);
      expect(r.out).toMatch(hint);
      expect(r.out).not.toMatch(/^\s+at /m);
      expect(await hostStates()).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    }
    await hosts.newHostKeys(hosts.hosts[0]!);
    const r = await onHead('start ~/cluster.yaml -y', 300);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/host key changed since it was pinned in .*known_hosts/);
    expect(r.out).toContain('ssh-keygen');
    expect(await hostStates()).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    const leftovers = await first.run({ command: 'ls ~/.cloudtik/local/default' });
    expect(leftovers.stdout.split('\n').filter((l) => l !== '' && l !== 'known_hosts')).toEqual([]);
    for (const h of hosts.hosts) expect(await ourProcesses(h)).toEqual([]);
  }, 600_000);
});
