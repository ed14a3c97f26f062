/**
 * The head runs the cluster: its controller launches, heals, scales and retires workers. One
 * cluster goes through the whole story, against the real engine, the head's real Redis, real
 * agents and the real controller process.
 */
import fsp from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  cliOk,
  clusterContainers,
  docker,
  type EventJson,
  eventually as pollUntil,
  sweepWorkspace,
  tempDir,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('ctl');
const cluster = 'ctl';
let dir: string;
let file: string;

interface StatusJson {
  nodes: { id: string; kind: string; nodeType: string; ip: string; status: string }[];
  controller: {
    pid: number;
    pass: number;
    workers: { id: string; status: string; heartbeatAgeMs?: number; action?: string }[];
    targets: Record<string, { min: number; upToDate: number; total: number }>;
    blocked: Record<string, string>;
    messages: string[];
  } | null;
  controllerError?: string;
}

function config(opts: { memory?: string; idleMinutes?: number; min?: number } = {}): string {
  return `cluster_name: ${cluster}
workspace_name: ${ws}
provider:
  type: virtual
auth:
  ssh_user: ubuntu
options:
  idle_timeout_minutes: ${opts.idleMinutes ?? 0.05}
runtime:
  types: []
  envs:
    # Node services get runtime.envs: a short heartbeat timeout for the controller, to see recovery.
    CLOUDTIK_HEARTBEAT_TIMEOUT_S: "4"
available_node_types:
  head.default:
    node_config:
      instance_type: { CPU: 1, memory: 1G }
  worker.default:
    min_workers: ${opts.min ?? 1}
    max_workers: 6
    node_config:
      instance_type: { CPU: 1, memory: ${opts.memory ?? '512M'} }
`;
}

async function status(): Promise<StatusJson> {
  return JSON.parse((await cliOk(['status', file, '--json'])).stdout) as StatusJson;
}

async function events(): Promise<EventJson[]> {
  return (JSON.parse((await cliOk(['events', file, '--json', '--limit', '500'])).stdout) as { events: EventJson[] })
    .events;
}

/** Workers the engine runs for the cluster. */
async function runningWorkers(): Promise<{ id: string; state: string }[]> {
  return (await clusterContainers(ws, cluster))
    .filter((c) => c.Labels['cloudtik-node-kind'] === 'worker')
    .map((c) => ({ id: (c.Names[0] ?? '').replace(/^\//, ''), state: c.State }));
}

/** Poll `check` until it returns a value, or fail after `ms` with the cluster's status for context. */
function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  return pollUntil(what, ms, check, {
    everyMs: 500,
    context: async () => {
      const s = await cli(['status', file]);
      return s.stdout + s.stderr;
    },
  });
}

/** Workers joined on the head's view: up-to-date and heartbeating. */
async function joined(): Promise<string[]> {
  const s = await status();
  return (s.controller?.workers ?? [])
    .filter((w) => w.status === 'up-to-date' && w.heartbeatAgeMs !== undefined && w.heartbeatAgeMs < 5000)
    .map((w) => w.id)
    .sort();
}

beforeAll(async () => {
  dir = await tempDir('ctl');
  const wsFile = await writeFile(dir, 'ws.yaml', `workspace_name: ${ws}\nprovider:\n  type: virtual\n`);
  await cliOk(['workspace', 'create', wsFile, '-y']);
  file = await writeFile(dir, 'cluster.yaml', config());
});

afterAll(async () => {
  await cli(['stop', file, '-y', '--hard']);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('the head runs the cluster', () => {
  it('start brings up the head; its controller launches min_workers, which join', async () => {
    const r = await cliOk(['start', file, '-y']);
    expect(r.stdout).toContain('1 worker(s)');
    const s = await eventually('the controller counts the worker', 5000, async () => {
      const st = await status();
      return st.controller?.targets['worker.default']?.upToDate === 1 ? st : undefined;
    });
    expect(s.nodes.filter((n) => n.kind === 'head')).toHaveLength(1);
    expect(s.controller?.targets['worker.default']).toMatchObject({ min: 1, upToDate: 1 });
    // Up to date first, then its agent's first heartbeat reaches the head's view (a pass later).
    const ids = await eventually('the worker joined on the head', 5000, async () => {
      const j = await joined();
      return j.length === 1 ? j : undefined;
    });
    expect(ids).toHaveLength(1);
    const e = await events();
    expect(e.some((x) => x.kind === 'launch' && x.reason === 'min_workers of worker.default')).toBe(true);
  });

  it('scale --workers 3 launches two more, which join', async () => {
    await cliOk(['scale', file, '--workers', '3']);
    // The controller publishes its view once a pass (every second).
    const ids = await eventually('3 joined on the head', 5000, async () => {
      const j = await joined();
      return j.length === 3 ? j : undefined;
    });
    expect(ids).toHaveLength(3);
    expect((await runningWorkers()).filter((w) => w.state === 'running')).toHaveLength(3);
  });

  it('a killed worker is replaced and the replacement joins', async () => {
    const before = await joined();
    const victim = before[0] as string;
    const ip = (await status()).nodes.find((n) => n.id === victim)?.ip as string;
    await cliOk(['kill-node', file, '--node-ip', ip, '--hard', '-y']);
    const after = await eventually('replacement joined', 60_000, async () => {
      const ids = await joined();
      return ids.length === 3 && !ids.includes(victim) ? ids : undefined;
    });
    expect(after).not.toContain(victim);
    expect((await runningWorkers()).map((w) => w.id)).not.toContain(victim);
    const e = await events();
    expect(e.some((x) => x.kind === 'terminate' && x.nodeIds?.includes(victim) && /not running/.test(x.reason))).toBe(
      true,
    );
  });

  it('a worker whose agent went silent gets its start commands re-run', async () => {
    const before = await joined();
    const victim = before[0] as string;
    // Stop the agent (and its supervisor) on the worker: no more heartbeats, the container lives on.
    const exec = await docker.getContainer(victim).exec({
      Cmd: ['runuser', '-u', 'ubuntu', '--', 'bash', '-lc', 'cloudtik node stop'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    await new Promise((r) => stream.on('end', r).resume());
    await eventually('recovery event', 30_000, async () =>
      (await events()).find(
        (x) => x.kind === 'recover' && x.nodeIds?.includes(victim) && /no heartbeat/.test(x.reason),
      ),
    );
    // Recovered in place: the same workers, heartbeating again.
    await eventually('heartbeats back', 30_000, async () => {
      const ids = await joined();
      return ids.join() === before.join() ? ids : undefined;
    });
  });

  it('a killed controller process is restarted and adopts the workers it finds', async () => {
    const before = await status();
    const head = before.nodes.find((n) => n.kind === 'head')?.id as string;
    // All three joined first: a worker recovered by the last test may still be a beat behind.
    const workersBefore = await eventually('3 joined before the kill', 30_000, async () => {
      const j = await joined();
      return j.length === 3 ? j : undefined;
    });
    const containersBefore = (await runningWorkers()).map((w) => w.id).sort();
    const launchesBefore = (await events()).filter((x) => x.kind === 'launch').length;
    const exec = await docker.getContainer(head).exec({
      // The node process only, not its supervisor (whose command line names it too).
      Cmd: ['pkill', '-9', '-f', '^/usr/local/bin/node .*node run controller$'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    await new Promise((r) => stream.on('end', r).resume());
    const restarted = await eventually('new controller pass', 30_000, async () => {
      const s = await status();
      return s.controller && s.controller.pid !== before.controller?.pid ? s : undefined;
    });
    expect(restarted.controller?.pid).not.toBe(before.controller?.pid);
    // Adopted, not replaced: the same workers, still joined, after a few passes, and no launch.
    await new Promise((r) => setTimeout(r, 3000));
    await eventually('the same workers joined', 30_000, async () => {
      const j = await joined();
      return j.join() === workersBefore.join() ? j : undefined;
    });
    expect((await runningWorkers()).map((w) => w.id).sort()).toEqual(containersBefore);
    expect((await events()).filter((x) => x.kind === 'launch').length).toBe(launchesBefore);
  });

  it('without the request, idle workers retire down to min_workers', async () => {
    await cliOk(['scale', file, '--workers', '0', '--no-wait']);
    await eventually('idle workers retired', 90_000, async () => {
      const w = await runningWorkers();
      return w.length === 1 ? w : undefined;
    });
    const e = await events();
    expect(e.filter((x) => x.kind === 'terminate' && /^idle /.test(x.reason)).length).toBeGreaterThanOrEqual(2);
    // The head's published view agrees within a pass.
    await eventually('one worker on the head', 5000, async () => ((await joined()).length === 1 ? true : undefined));
  });

  it('a changed node config re-run through start replaces the outdated workers', async () => {
    const before = await joined();
    await fsp.writeFile(file, config({ memory: '640M' }));
    await cliOk(['start', file, '-y']);
    const after = await eventually('the new worker joined on the head', 5000, async () => {
      const j = await joined();
      return j.length === 1 ? j : undefined;
    });
    expect(after).not.toEqual(before);
    const inspect = await docker.getContainer(after[0] as string).inspect();
    expect(inspect.HostConfig.Memory).toBe(640 * 1024 * 1024);
    const e = await events();
    expect(e.some((x) => x.kind === 'terminate' && x.reason === 'outdated launch config')).toBe(true);
  });

  it('min_workers beyond what the host can hold is reported, not looped on silently', async () => {
    const info = (await docker.info()) as { MemTotal: number };
    // Each worker takes 40% of the host: two fit next to the head, the third cannot.
    const mb = Math.floor((info.MemTotal * 0.4) / 2 ** 20);
    await fsp.writeFile(file, config({ memory: `${mb}M`, min: 3 }));
    const r = await cli(['start', file, '-y', '--no-wait']);
    expect(r.code).toBe(0);
    const s = await eventually('capacity reported', 60_000, async () => {
      const st = await status();
      const text = [...Object.values(st.controller?.blocked ?? {}), ...(st.controller?.messages ?? [])].join('\n');
      return /out of memory/.test(text) ? st : undefined;
    });
    expect(JSON.stringify(s.controller)).toMatch(/host out of memory for a worker\.default node/);
    const plain = await cliOk(['status', file]);
    expect(plain.stdout).toMatch(/worker\.default.*out of memory/);
  });

  it('stop stops the controller first and leaves nothing behind', async () => {
    await cliOk(['stop', file, '-y']);
    expect(await clusterContainers(ws, cluster)).toHaveLength(0);
    // Nothing relaunched after the stop.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await clusterContainers(ws, cluster)).toHaveLength(0);
  });
});
