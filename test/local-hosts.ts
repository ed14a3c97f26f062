/**
 * A `local` cluster's hosts for tests: SSH test hosts (plain Debian with sshd and a sudo user,
 * nothing of ours), the first of them given Node and cloudtik with the installer nodes use (the
 * user's own step on the first machine of their cluster), and helpers that run the CLI there over
 * SSH. The test looks at hosts through Docker (processes); the code under test never does.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { createSshRunner, type SshRunner } from '../src/core/command/ssh.js';
import { knownHostsPath } from '../src/core/command/ssh-known-hosts.js';
import { nullSink } from '../src/core/events.js';
import { installHost } from '../src/core/host/install.js';
import { tempDir, type EventJson } from './helpers.js';
import { startSshHosts, type SshHost, type SshHosts } from './ssh-hosts.js';

export interface StatusJson {
  nodes: { id: string; kind: string; ip: string; status: string }[];
  controller: { workers: { id: string; ip: string; status: string; action?: string }[]; messages: string[] } | null;
}

/**
 * A `start` output in which the head's setup was skipped as unchanged and nothing was installed or
 * set up on any host.
 */
export function expectNothingSetUp(out: string): void {
  expect(out).toMatch(/head .* setting-up skipped \(no change\)/);
  expect(out).not.toMatch(/install the \w+ layer|send \d+ files? to the host|setting-up done/);
}

/** Where the first host keeps the key that reaches every host. */
export const KEY_ON_HEAD = '/home/ubuntu/.ssh/id_hosts';

export class LocalHosts {
  private constructor(
    readonly hosts: SshHosts,
    readonly first: SshRunner,
    readonly dir: string,
  ) {}

  /** `count` fresh hosts; the first gets Node, cloudtik and the hosts' key. With `docker`, each may run an engine. */
  static async start(count: number, label: string, options: { docker?: boolean } = {}): Promise<LocalHosts> {
    const dir = await tempDir(label);
    const hosts = await startSshHosts(count, label, options);
    const h0 = hosts.hosts[0]!;
    const first = createSshRunner({
      nodeId: h0.ip,
      host: h0.ip,
      user: h0.user,
      privateKeyPath: hosts.keyPath,
      knownHostsPath: knownHostsPath(path.join(dir, 'ws')),
    });
    await installHost({ runner: first, runtimes: [], head: true, sink: nullSink });
    await first.upload(hosts.keyPath, KEY_ON_HEAD);
    await first.run({ command: `chmod 0600 ${KEY_ON_HEAD}` });
    return new LocalHosts(hosts, first, dir);
  }

  get list(): SshHost[] {
    return this.hosts.hosts;
  }

  /** A cluster YAML of the local provider over every host. */
  clusterYaml(body: string, cluster = 'lc', providerExtra = ''): string {
    return `cluster_name: ${cluster}
provider:
  type: local
  nodes:
${this.list.map((h) => `    - ip: ${h.ip}`).join('\n')}
${providerExtra}auth:
  ssh_user: ubuntu
  ssh_private_key: ${KEY_ON_HEAD}
${body}`;
  }

  /** `cloudtik ARGS` on the first host, as its user; output and exit code. */
  async onHead(args: string, timeoutS = 600, env?: Record<string, string>): Promise<{ code: number; out: string }> {
    const r = await this.first.run({ command: `timeout ${timeoutS} cloudtik ${args} 2>&1`, env });
    return { code: r.exitCode, out: r.stdout };
  }

  async headOk(args: string, timeoutS?: number, env?: Record<string, string>): Promise<string> {
    const r = await this.onHead(args, timeoutS, env);
    if (r.code !== 0) throw new Error(`cloudtik ${args} failed (exit ${r.code}):\n${r.out}`);
    return r.out;
  }

  /** A file in the first host's home. */
  async put(name: string, text: string): Promise<void> {
    const local = path.join(this.dir, name);
    await fsp.writeFile(local, text);
    await this.first.upload(local, `/home/ubuntu/${name}`);
  }

  async status(file = 'cluster.yaml'): Promise<StatusJson> {
    return JSON.parse(await this.headOk(`status ~/${file} --json`)) as StatusJson;
  }

  /** The head's controller events, oldest first (`cloudtik events --json`). */
  async events(file = 'cluster.yaml'): Promise<EventJson[]> {
    return (JSON.parse(await this.headOk(`events ~/${file} --json --limit 500`)) as { events: EventJson[] }).events;
  }

  /** The state of each listed host in the hosts' state file on the first host. */
  async hostStates(): Promise<string[]> {
    const state = await this.first.run({ command: 'cat ~/.cloudtik/local/cloudtik-local-scheduler.state' });
    const nodes = (JSON.parse(state.stdout) as { nodes: Record<string, { state: string }> }).nodes;
    return Object.values(nodes).map((n) => n.state);
  }

  /** Processes a host runs for a cluster (supervisors, agent, controller, state store, Java daemons). */
  async ourProcesses(host: SshHost): Promise<string[]> {
    const r = await this.hosts.rootShell(
      host,
      "ps -eo user=,args= | grep -E 'cloudtik|redis-server|supervise|java|prometheus' | grep -v grep || true",
    );
    return r.stdout.split('\n').filter((l) => l.trim() !== '' && !l.includes('sshd'));
  }

  async remove(): Promise<void> {
    await this.hosts.remove();
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}
