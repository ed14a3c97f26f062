/**
 * The `local` provider over real SSH: four test hosts (plain Debian with sshd and a sudo user,
 * nothing of ours), the CLI installed on the first and run there, as a user runs `cloudtik start`
 * on the first machine of their cluster. Nothing in the CLI can reach Docker: the hosts have no
 * engine and no socket, so every step goes over SSH. The test itself looks at the hosts through
 * Docker (to check processes), which the code under test never does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, eventually, pauseContainer, type EventJson } from './helpers.js';
import { expectNothingSetUp, KEY_ON_HEAD, LocalHosts } from './local-hosts.js';
import type { SshHost } from './ssh-hosts.js';

let lh: LocalHosts;

const BODY = `options:
  idle_timeout_minutes: 0.05
available_node_types:
  worker.default:
    min_workers: 1
runtime:
  types: []
`;

/** Modes and paths of a folder's entries, then the sha256 of its files (run on a host). */
const LISTING = (dir: string): string =>
  `cd ${dir} && find . -printf '%m %p\\n' | sort && find . -type f | sort | xargs sha256sum`;

const esc = (s: string): string => s.replaceAll('.', '\\.');

/** Whether the node agent runs on a host (its pid file names a live process). */
async function agentRuns(host: SshHost): Promise<boolean> {
  const r = await lh.hosts.rootShell(
    host,
    'kill -0 "$(cut -d" " -f1 /home/ubuntu/runtime/cloudtik/run/agent.pid)" 2>/dev/null',
  );
  return r.code === 0;
}

describe('local provider over SSH', () => {
  beforeAll(async () => {
    lh = await LocalHosts.start(4, 'local');
  }, 900_000);

  afterAll(async () => {
    await lh?.remove();
  });

  it('starts a head and a worker on the listed hosts, then a second start sets up nothing', async () => {
    await lh.put('cluster.yaml', lh.clusterYaml(BODY));
    await lh.headOk('start ~/cluster.yaml -y', 900);
    const s = await lh.status();
    expect(s.nodes.filter((n) => n.kind === 'head').map((n) => n.ip)).toEqual([lh.list[0]!.ip]);
    expect(s.nodes.filter((n) => n.kind === 'worker')).toHaveLength(1);
    expect(s.nodes.every((n) => n.status === 'up-to-date')).toBe(true);
    const again = await lh.headOk('start ~/cluster.yaml -y', 300);
    expectNothingSetUp(again);
  }, 1_200_000);

  it('exec reaches every host, and attach opens a shell on a worker in a real terminal', async () => {
    const all = await lh.headOk("exec ~/cluster.yaml --all-nodes 'hostname -I'");
    const ips = (await lh.status()).nodes.map((n) => n.ip);
    for (const ip of ips) expect(all).toContain(ip);
    const worker = (await lh.status()).nodes.find((n) => n.kind === 'worker')!;
    const shell = await lh.first.run({
      command: `printf 'echo "ATTACHED $(hostname -I) tty=$(tty)"; exit\\n' | timeout 60 script -qec 'cloudtik attach ~/cluster.yaml --node-ip ${worker.ip}' /dev/null`,
    });
    expect(shell.stdout).toMatch(new RegExp(`ATTACHED ${worker.ip.replaceAll('.', '\\.')}\\s.*tty=/dev/pts/`));
  }, 300_000);

  it('upload and download copy a folder to and from the head and a worker, bytes and modes kept', async () => {
    const worker = (await lh.status()).nodes.find((n) => n.kind === 'worker')!;
    await lh.first.run({
      command: [
        'rm -rf ~/up ~/back-head ~/back-worker && mkdir -p ~/up/sub',
        'head -c 300000 /dev/urandom > ~/up/data.bin && chmod 0640 ~/up/data.bin',
        "printf '#!/bin/sh\\necho hi\\n' > ~/up/run.sh && chmod 0755 ~/up/run.sh",
        "printf 'private\\n' > ~/up/sub/key.txt && chmod 0600 ~/up/sub/key.txt && chmod 0750 ~/up/sub",
      ].join(' && '),
    });
    const original = (await lh.first.run({ command: LISTING('~/up') })).stdout;
    expect(original).toContain('640 ./data.bin');
    await lh.headOk('upload ~/cluster.yaml ~/up /tmp/lcli-up');
    await lh.headOk(`upload ~/cluster.yaml ~/up /tmp/lcli-up --node-ip ${worker.ip}`);
    const host = lh.list.find((h) => h.ip === worker.ip)!;
    const arrived = await lh.hosts.rootShell(host, `${LISTING('/tmp/lcli-up')} && stat -c %U /tmp/lcli-up/data.bin`);
    expect(arrived.stdout).toBe(`${original}ubuntu\n`);
    await lh.headOk('download ~/cluster.yaml /tmp/lcli-up ~/back-head');
    await lh.headOk(`download ~/cluster.yaml /tmp/lcli-up ~/back-worker --node-ip ${worker.ip}`);
    for (const dir of ['~/back-head', '~/back-worker']) {
      expect((await lh.first.run({ command: LISTING(dir) })).stdout).toBe(original);
    }
  }, 300_000);

  it('upload of a missing file, download of a missing path and an unknown --node-ip fail clearly', async () => {
    const missing = await lh.onHead('upload ~/cluster.yaml ~/no-such.bin /tmp/x');
    expect(missing.code, missing.out).not.toBe(0);
    expect(missing.out).toMatch(/local path not found: \/home\/ubuntu\/no-such\.bin/);
    const gone = await lh.onHead('download ~/cluster.yaml /tmp/no-such-dir ~/fresh/copy');
    expect(gone.code, gone.out).not.toBe(0);
    expect(gone.out).toMatch(/cannot read \/tmp\/no-such-dir on /);
    expect((await lh.first.run({ command: 'test -e ~/fresh' })).exitCode).not.toBe(0);
    const nowhere = await lh.onHead('upload ~/cluster.yaml ~/cluster.yaml /tmp/x --node-ip 10.254.254.254');
    expect(nowhere.code, nowhere.out).not.toBe(0);
    expect(nowhere.out).toMatch(/no running node of cluster lc has IP 10\.254\.254\.254/);
    expect(nowhere.out).toContain(lh.list[0]!.ip);
    for (const r of [missing, gone, nowhere]) expect(r.out).not.toMatch(/^\s+at /m);
  }, 120_000);

  it("events show the head's controller launching and setting up the worker; --json names the hosts", async () => {
    const s = await lh.status();
    const worker = s.nodes.find((n) => n.kind === 'worker')!;
    expect(s.nodes.map((n) => n.ip).every((ip) => lh.list.some((h) => h.ip === ip))).toBe(true);
    expect(s.controller?.workers.map((w) => w.ip)).toEqual([worker.ip]);
    const events = await lh.events();
    expect(events.find((e) => e.kind === 'launch')?.reason).toMatch(/min_workers of worker\.default/);
    const setUp = events.find((e) => e.kind === 'update' && e.nodeIds?.includes(worker.ip));
    expect(setUp?.message).toMatch(new RegExp(`^${esc(worker.ip)} is up-to-date after`));
    const text = await lh.headOk('events ~/cluster.yaml');
    expect(text).toMatch(new RegExp(`update\\s+${esc(worker.ip)} is up-to-date`));
  }, 120_000);

  it('a worker whose services died gets its start commands run again by the head', async () => {
    const worker = (await lh.status()).nodes.find((n) => n.kind === 'worker')!;
    const host = lh.list.find((h) => h.ip === worker.ip)!;
    const since = (await lh.events()).at(-1)!.time;
    const killed = await lh.hosts.rootShell(host, "su - ubuntu -c 'cloudtik node stop --services --kill'");
    expect(killed.stdout).toContain('agent');
    expect(await agentRuns(host)).toBe(false);
    // Until the head's update of the worker has ended, not only until its agent runs: the next
    // test pauses the host, and an update cut there fails with another message than the one it awaits.
    await eventually('the worker up-to-date again', 150_000, async () =>
      (await lh.events()).find(
        (e) => e.kind === 'update' && e.time > since && e.nodeIds?.includes(worker.ip) && /up-to-date/.test(e.message),
      ),
    );
    expect(await agentRuns(host)).toBe(true);
  }, 300_000);

  it('a worker host that stops answering is reported by address, replaced, and cleaned up once it answers', async () => {
    const worker = (await lh.status()).nodes.find((n) => n.kind === 'worker')!;
    const host = lh.list.find((h) => h.ip === worker.ip)!;
    const since = (await lh.events()).at(-1)!.time;
    const newEvents = async (): Promise<EventJson[]> => (await lh.events()).filter((e) => e.time > since);
    const context = async (): Promise<string> => (await lh.onHead('events ~/cluster.yaml --limit 20')).out;
    await pauseContainer(docker.getContainer(host.containerId));
    try {
      // The head's controller sees no heartbeat, fails to reach the host, and says so naming it.
      const failed = await eventually(
        'a failed restart naming the host',
        240_000,
        async () => (await newEvents()).find((e) => e.kind === 'update-failed' && e.nodeIds?.includes(worker.ip)),
        { everyMs: 5000, context },
      );
      expect(failed.message).toMatch(new RegExp(`${esc(worker.ip)}:22: (no SSH answer|cannot connect)`));
      // Another free host takes its place; the silent one is reported, not forgotten.
      const replaced = await eventually(
        'a new worker up on another host, the silent one reported',
        420_000,
        async () => {
          const s = await lh.status();
          const up = s.nodes.filter((n) => n.kind === 'worker' && n.status === 'up-to-date');
          const said = s.controller?.messages.some((m) => m.startsWith(`host ${worker.ip} does not answer`));
          return up.length === 1 && up[0]!.ip !== worker.ip && said ? s : undefined;
        },
        { everyMs: 5000, context },
      );
      expect(replaced.nodes.map((n) => n.ip)).not.toContain(worker.ip);
      const warned = (await newEvents()).filter((e) => e.kind === 'warning' && e.nodeIds?.includes(worker.ip));
      expect(warned.map((e) => e.message)).toEqual([expect.stringMatching(/does not answer: it was given back/)]);
    } finally {
      await docker.getContainer(host.containerId).unpause();
    }
    // Once it answers, what the cluster ran there is stopped and the host is free again.
    await eventually(
      'the host reported answering again',
      180_000,
      async () =>
        (await newEvents()).find(
          (e) => e.kind === 'terminate' && /answers again/.test(e.message) && e.nodeIds?.[0] === worker.ip,
        ),
      { everyMs: 5000, context },
    );
    expect(await lh.ourProcesses(host)).toEqual([]);
    const s = await lh.status();
    expect(s.controller?.messages.filter((m) => m.includes(worker.ip))).toEqual([]);
    expect(s.nodes.filter((n) => n.kind === 'worker')).toHaveLength(1);
  }, 900_000);

  it('scale adds a host and idle workers give theirs back', async () => {
    await lh.headOk('scale ~/cluster.yaml --workers 2', 600);
    expect((await lh.status()).nodes.filter((n) => n.kind === 'worker')).toHaveLength(2);
    await lh.headOk('scale ~/cluster.yaml --workers 0 --no-wait');
    const left = await eventually('one worker again', 180_000, async () => {
      const w = (await lh.status()).nodes.filter((n) => n.kind === 'worker');
      return w.length === 1 ? w : undefined;
    });
    const kept = new Set([lh.list[0]!.ip, left[0]!.ip]);
    for (const h of lh.list.filter((x) => !kept.has(x.ip))) expect(await lh.ourProcesses(h)).toEqual([]);
  }, 900_000);

  it('stop leaves no process of ours on any host and gives every host back', async () => {
    await lh.headOk('stop ~/cluster.yaml -y', 300);
    for (const h of lh.list) expect(await lh.ourProcesses(h)).toEqual([]);
    expect(await lh.hostStates()).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
  }, 600_000);

  it('a wrong key, a closed port and a changed host key each fail clearly and leave nothing', async () => {
    await lh.first.run({ command: "rm -f ~/.ssh/other && ssh-keygen -q -t ed25519 -N '' -f ~/.ssh/other" });
    const cases: Array<[string, string, RegExp, RegExp]> = [
      [
        'wrong-key.yaml',
        'ssh_private_key: /home/ubuntu/.ssh/other',
        /permission denied \(publickey[^)]*\) for ubuntu@/,
        /check auth.ssh_private_key/,
      ],
      ['closed-port.yaml', 'ssh_port: 2222', /:2222: connection refused after \d+(\.\d)? s/, /try: ssh -i/],
    ];
    for (const [file, authLine, message, hint] of cases) {
      const yaml = lh
        .clusterYaml(BODY)
        .replace(
          `ssh_private_key: ${KEY_ON_HEAD}`,
          authLine === 'ssh_port: 2222' ? `ssh_private_key: ${KEY_ON_HEAD}\n  ${authLine}` : authLine,
        );
      await lh.put(file, yaml);
      const r = await lh.onHead(`start ~/${file} -y`, 300);
      expect(r.code, r.out).not.toBe(0);
      expect(r.out).toMatch(message);
      expect(r.out).toMatch(hint);
      expect(r.out).not.toMatch(/^\s+at /m);
      expect(await lh.hostStates()).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    }
    await lh.hosts.newHostKeys(lh.list[0]!);
    const r = await lh.onHead('start ~/cluster.yaml -y', 300);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/host key changed since it was pinned in .*known_hosts/);
    expect(r.out).toContain('ssh-keygen');
    expect(await lh.hostStates()).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    const leftovers = await lh.first.run({ command: 'ls ~/.cloudtik/local/default' });
    expect(leftovers.stdout.split('\n').filter((l) => l !== '' && l !== 'known_hosts')).toEqual([]);
    for (const h of lh.list) expect(await lh.ourProcesses(h)).toEqual([]);
  }, 600_000);
});
