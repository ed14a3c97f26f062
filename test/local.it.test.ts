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
import { tempDir } from './helpers.js';
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
available_node_types:
  worker.default:
    min_workers: 2
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

async function status(): Promise<StatusJson> {
  return JSON.parse(await headOk('status ~/cluster.yaml --json')) as StatusJson;
}

/** Processes a host runs for the cluster (our supervisor, agent, controller, state store). */
async function ourProcesses(host: SshHost): Promise<string[]> {
  const r = await hosts.rootShell(host, "ps -eo user=,args= | grep -E 'cloudtik|redis-server|supervise' | grep -v grep || true");
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

  it('starts a head and two workers on the listed hosts, then a second start sets up nothing', async () => {
    const yaml = path.join(dir, 'cluster.yaml');
    await fsp.writeFile(yaml, clusterYaml(hosts.hosts));
    await first.upload(yaml, '/home/ubuntu/cluster.yaml');
    const out = await headOk('start ~/cluster.yaml -y', 900);
    expect(out).toContain('head');
    const s = await status();
    expect(s.nodes.filter((n) => n.kind === 'head').map((n) => n.ip)).toEqual([hosts.hosts[0]!.ip]);
    expect(s.nodes.filter((n) => n.kind === 'worker')).toHaveLength(2);
    expect(s.nodes.every((n) => n.status === 'up-to-date')).toBe(true);
    const again = await headOk('start ~/cluster.yaml -y', 300);
    expect(again).toMatch(/no change|skip/i);
  }, 1_200_000);

  it('stop leaves no process of ours on any host and gives every host back', async () => {
    await headOk('stop ~/cluster.yaml -y', 300);
    for (const h of hosts.hosts) expect(await ourProcesses(h)).toEqual([]);
    const state = await first.run({ command: 'cat ~/.cloudtik/local/cloudtik-local-scheduler.state' });
    const nodes = (JSON.parse(state.stdout) as { nodes: Record<string, { state: string }> }).nodes;
    expect(Object.values(nodes).map((n) => n.state)).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
  }, 600_000);
});
