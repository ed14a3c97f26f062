/**
 * `cloudtik plan` then `cloudtik start` agree: on one virtual cluster (1 head + 1 worker on the
 * cloudtik image, reused), each config edit of a table is planned with `plan --json`, then
 * started, and what start did to each node (seen from the containers and from what the nodes
 * record: each setup and each run of the start commands appends a line to a file on the node;
 * the setup time tag) must be what the plan said. Then `start --rerun-setup [--node-ip]` sets up
 * again only the nodes it names, without replacing them.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../src/version.js';
import { cli, cliOk, clusterContainers, docker, sweepWorkspace, tempDir, testWorkspace, writeFile } from './helpers.js';
import { DockerEngine, DockerEngineError } from '../src/providers/virtual/engine.js';
import { execInContainer } from './helpers.js';

const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' });
const ws = testWorkspace('pl');
const cluster = 'pl';
const IMAGE = `cloudtik/cloudtik:${packageVersion()}`;
/** Another name of the same image: a changed `docker.image` with nothing else new. */
const ALT_IMAGE = `cloudtik/cloudtik:${packageVersion()}-plan-alt`;
let dir: string;
let file: string;

interface Shape {
  setup: string;
  start: string;
  content: string;
  env: string;
  min: number;
  max: number;
  headCpu: number;
  workerMemory: string;
  image: string;
}

const BASE: Shape = {
  setup: 's1',
  start: 'x1',
  content: 'v1',
  env: 'e1',
  min: 1,
  max: 2,
  headCpu: 1,
  workerMemory: '1G',
  image: IMAGE,
};

function config(s: Shape): string {
  return `cluster_name: ${cluster}
workspace_name: ${ws}
provider:
  type: virtual
auth:
  ssh_user: ubuntu
docker:
  image: ${s.image}
runtime:
  types: []
  envs: { PLAN_TEST: ${s.env} }
file_mounts:
  /home/ubuntu/mounted: ${path.join(dir, 'mount')}
setup_commands:
  - echo ${s.setup} >> /tmp/setup-runs
head_start_commands:
  - echo ${s.start} >> /tmp/start-runs
worker_start_commands:
  - echo ${s.start} >> /tmp/start-runs
available_node_types:
  head.default:
    node_config:
      instance_type: { CPU: ${s.headCpu}, memory: 1G }
  worker.default:
    min_workers: ${s.min}
    max_workers: ${s.max}
    node_config:
      instance_type: { CPU: 1, memory: ${s.workerMemory} }
`;
}

async function apply(s: Shape): Promise<void> {
  await writeFile(dir, 'mount/data.txt', s.content);
  await writeFile(dir, 'cluster.yaml', config(s));
}

interface Step {
  node?: string;
  kind: string;
  action: string;
  count?: number;
  changed?: string[];
}

/** One node as seen from outside: its container and how often its setup and start commands ran. */
interface Seen {
  id: string;
  containerId: string;
  kind: string;
  setups: number;
  starts: number;
  setupAt: string | undefined;
}

/** Lines of a file in a node's container; undefined when the container went meanwhile. */
async function lines(id: string, f: string): Promise<number | undefined> {
  try {
    const r = await execInContainer(engine.getContainer(id), ['sh', '-c', `cat ${f} 2>/dev/null | wc -l`]);
    return Number(r.stdout.trim());
  } catch (err) {
    if (err instanceof DockerEngineError && err.statusCode === 404) return undefined;
    throw err;
  }
}

async function setupTags(): Promise<Record<string, string | undefined>> {
  const stateFile = path.join(process.env.CLOUDTIK_HOME ?? '', 'virtual', ws, cluster, 'state.json');
  const state = JSON.parse(await fsp.readFile(stateFile, 'utf8')) as {
    nodes: Record<string, { tags: Record<string, string> }>;
  };
  return Object.fromEntries(Object.entries(state.nodes).map(([id, n]) => [id, n.tags['cloudtik-node-setup-at']]));
}

async function look(): Promise<Map<string, Seen>> {
  const containers = (await clusterContainers(ws, cluster)).filter((c) =>
    ['head', 'worker'].includes(c.Labels['cloudtik-node-kind'] ?? ''),
  );
  const tags = await setupTags();
  const seen = new Map<string, Seen>();
  for (const c of containers) {
    const id = (c.Names[0] ?? '').replace(/^\//, '');
    const [setups, starts] = await Promise.all([lines(id, '/tmp/setup-runs'), lines(id, '/tmp/start-runs')]);
    // A worker start retired is removed by the head's controller; start may return while its
    // container is still listed: it is not one of the nodes start leaves.
    if (setups === undefined || starts === undefined) continue;
    seen.set(id, {
      id,
      containerId: c.Id,
      kind: c.Labels['cloudtik-node-kind'] ?? '',
      setups,
      starts,
      setupAt: tags[id],
    });
  }
  return seen;
}

/** What each planned step means for the nodes seen before and after start; the mismatches. */
function mismatches(steps: Step[], before: Map<string, Seen>, after: Map<string, Seen>): string[] {
  const out: string[] = [];
  const fresh = [...after.values()].filter((n) => !before.has(n.id));
  const want = { head: 0, worker: 0 } as Record<string, number>;
  for (const s of steps) {
    if (s.action === 'create') want[s.kind] = (want[s.kind] ?? 0) + (s.count ?? 1);
    if (s.action === 'replace') want[s.kind] = (want[s.kind] ?? 0) + 1;
    if (s.node === undefined) continue;
    const b = before.get(s.node);
    const a = after.get(s.node);
    const gone = s.action === 'replace' || s.action === 'terminate';
    if (!b) out.push(`${s.node}: planned but not there before start`);
    else if (gone && a) out.push(`${s.node}: planned ${s.action}, still there`);
    else if (!gone && !a) out.push(`${s.node}: planned ${s.action}, gone`);
    else if (a && b) {
      const setup = a.setups - b.setups;
      const start = a.starts - b.starts;
      const expected = { nothing: [0, 0], restart: [0, 1], setup: [1, 1] }[s.action];
      if (a.containerId !== b.containerId) out.push(`${s.node}: planned ${s.action}, its container changed`);
      if (expected && (setup !== expected[0] || start !== expected[1])) {
        out.push(`${s.node}: planned ${s.action}, ran setup ${setup}× and start ${start}×`);
      }
      if (setup > 0 !== (a.setupAt !== b.setupAt))
        out.push(`${s.node}: setup ran ${setup}×, setup tag ${b.setupAt} -> ${a.setupAt}`);
    }
  }
  for (const kind of ['head', 'worker']) {
    const made = fresh.filter((n) => n.kind === kind);
    if (made.length !== (want[kind] ?? 0)) out.push(`${made.length} new ${kind}(s), planned ${want[kind] ?? 0}`);
    for (const n of made)
      if (n.setups !== 1 || n.starts !== 1) out.push(`new ${n.id}: setup ${n.setups}×, start ${n.starts}×`);
  }
  return out;
}

/** No mismatch; else fail with them and the cluster's events (who set up what, and why). */
async function expectNoMismatch(steps: Step[], before: Map<string, Seen>, after: Map<string, Seen>): Promise<void> {
  const found = mismatches(steps, before, after);
  const events = found.length > 0 ? (await cli(['events', file, '--limit', '40'])).stdout : '';
  expect(found, events).toEqual([]);
}

/** `kind action [changed]` of each step, the head first. */
function summary(steps: Step[]): string[] {
  return steps.map((s) =>
    [s.kind, s.action, s.count && s.count > 1 ? `×${s.count}` : '', s.changed?.join('+') ?? '']
      .filter(Boolean)
      .join(' '),
  );
}

async function planThenStart(
  flags: string[] = [],
): Promise<{ steps: Step[]; before: Map<string, Seen>; after: Map<string, Seen> }> {
  const before = await look();
  const plan = JSON.parse((await cliOk(['plan', file, '--json', ...flags])).stdout) as {
    nodes: Step[];
    items: unknown[];
  };
  // Every image is there: nothing to build.
  expect(plan.items).toEqual([]);
  // The plan changed nothing.
  expect(await look()).toEqual(before);
  await cliOk(['start', file, '-y', ...flags], { timeoutMs: 300_000 });
  return { steps: plan.nodes, before, after: await look() };
}

beforeAll(async () => {
  dir = await tempDir('pl');
  file = path.join(dir, 'cluster.yaml');
  await docker.getImage(IMAGE).tag({ repo: ALT_IMAGE.split(':')[0] as string, tag: ALT_IMAGE.split(':')[1] as string });
  const wsFile = await writeFile(dir, 'ws.yaml', `workspace_name: ${ws}\nprovider:\n  type: virtual\n`);
  await cliOk(['workspace', 'create', wsFile, '-y']);
  await apply(BASE);
  await cliOk(['start', file, '-y']);
}, 600_000);

afterAll(async () => {
  await cli(['stop', file, '-y', '--hard']);
  await sweepWorkspace(ws);
  await docker
    .getImage(ALT_IMAGE)
    .remove()
    .catch(() => undefined);
  await fsp.rm(dir, { recursive: true, force: true });
});

/** Each edit is made on the one before it. */
const EDITS: { name: string; shape: Partial<Shape>; flags?: string[]; want: string[] }[] = [
  { name: 'nothing changed', shape: {}, want: ['head restart', 'worker nothing'] },
  {
    name: 'a setup command',
    shape: { setup: 's2' },
    want: ['head setup setup commands', 'worker setup setup commands'],
  },
  {
    name: "a file mount's contents",
    shape: { content: 'v2' },
    want: ['head setup file mount contents', 'worker setup file mount contents'],
  },
  {
    name: 'the runtime config',
    shape: { env: 'e2' },
    want: ['head setup runtime config', 'worker setup runtime config'],
  },
  { name: 'start commands only (no setup input)', shape: { start: 'x2' }, want: ['head restart', 'worker nothing'] },
  { name: 'more workers', shape: { min: 2 }, want: ['head restart', 'worker nothing', 'worker create'] },
  {
    name: 'fewer workers (max_workers below what runs)',
    shape: { min: 1, max: 1 },
    want: ['head restart', 'worker terminate', 'worker nothing'],
  },
  {
    name: "the worker type's memory: the worker is replaced",
    shape: { workerMemory: '768M' },
    want: ['head restart', 'worker replace node config'],
  },
  {
    name: '--no-restart with nothing changed',
    shape: {},
    flags: ['--no-restart'],
    want: ['head nothing', 'worker nothing'],
  },
  {
    name: '--restart-only with a setup command changed: the head only restarts, the worker is set up',
    shape: { setup: 's3' },
    flags: ['--restart-only'],
    want: ['head restart', 'worker setup setup commands'],
  },
  {
    name: "the head type's resources: the head is replaced, the worker's start commands run again",
    shape: { headCpu: 2 },
    want: ['head replace node config', 'worker restart'],
  },
  {
    name: 'the image: every node is replaced',
    shape: { image: ALT_IMAGE },
    want: ['head replace image', 'worker replace image'],
  },
];

describe('plan then start', { timeout: 600_000 }, () => {
  let shape = BASE;
  it.each(EDITS)('$name', async (edit) => {
    shape = { ...shape, ...edit.shape };
    await apply(shape);
    const { steps, before, after } = await planThenStart(edit.flags);
    // The plan is right about the edit...
    expect(summary(steps).sort()).toEqual([...edit.want].sort());
    // ...and start did exactly that.
    await expectNoMismatch(steps, before, after);
  });
});

describe('start --rerun-setup', { timeout: 600_000 }, () => {
  it('sets up again the node --node-ip names, only it, without replacing it', async () => {
    const before = await look();
    const worker = [...before.values()].find((n) => n.kind === 'worker') as Seen;
    const status = JSON.parse((await cliOk(['status', file, '--json'])).stdout) as {
      nodes: { id: string; ip: string }[];
    };
    const ip = status.nodes.find((n) => n.id === worker.id)?.ip as string;
    const { steps, after } = await planThenStart(['--rerun-setup', '--node-ip', ip]);
    expect(summary(steps).sort()).toEqual(['head restart', 'worker setup']);
    await expectNoMismatch(steps, before, after);
    const w = after.get(worker.id) as Seen;
    expect([w.containerId, w.setups - worker.setups]).toEqual([worker.containerId, 1]);
    expect(w.setupAt).not.toBe(worker.setupAt);
  });

  it('sets up every node again when none is named', async () => {
    const { steps, before, after } = await planThenStart(['--rerun-setup']);
    expect(summary(steps).sort()).toEqual(['head setup', 'worker setup']);
    await expectNoMismatch(steps, before, after);
  });

  it('refuses an address no node has, changing nothing', async () => {
    const before = await look();
    const r = await cli(['start', file, '-y', '--rerun-setup', '--node-ip', '10.255.255.254']);
    expect([r.code, r.stderr]).toEqual([
      2,
      expect.stringContaining('no node of the cluster has the address 10.255.255.254'),
    ]);
    expect(await look()).toEqual(before);
  });
});

describe('a plan that says start stops', { timeout: 300_000 }, () => {
  it('names an image start cannot have, and start then changes nothing', async () => {
    const shape = { ...BASE, image: 'ctest/never-built:1' };
    await apply(shape);
    const before = await look();
    const plan = JSON.parse((await cliOk(['plan', file, '--json'])).stdout) as {
      items: { kind: string; name: string; action: string }[];
    };
    expect(plan.items.map((i) => `${i.kind} ${i.name} ${i.action}`)).toEqual(['image ctest/never-built:1 missing']);
    const r = await cli(['start', file, '-y']);
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toContain('ctest/never-built:1');
    expect(await look()).toEqual(before);
  });
});
