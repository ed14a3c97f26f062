/**
 * A job on the head cannot own the host: the head reaches the Docker engine only through its
 * cluster's gate. From inside a real head, as the node user and as root, every call the gate must
 * refuse is tried and every call the controller needs is made, with the package's own engine
 * client pointed where the head's DOCKER_HOST points. A second cluster in the same workspace is
 * the "other cluster".
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../src/providers/virtual/engine.js';
import {
  cli,
  cliOk,
  clusterContainers,
  docker,
  execInContainer,
  exists,
  sweepWorkspace,
  tempDir,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('gate');
const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' });
let dir: string;
let shareRoot: string;
let mainFile: string;
let otherFile: string;

function config(cluster: string, workers: number, headExtra = ''): string {
  return `cluster_name: ${cluster}
workspace_name: ${ws}
provider:
    type: virtual
runtime:
    types: []
auth:
    ssh_user: ubuntu
available_node_types:
    head.default:
        node_config:
            instance_type: {CPU: 1, memory: 512M}
${headExtra}
    worker.default:
        min_workers: ${workers}
        node_config:
            instance_type: {CPU: 1, memory: 512M}
            data_dirs: [${shareRoot}]
`;
}

async function nodeName(cluster: string, kind: string): Promise<string> {
  const c = (await clusterContainers(ws, cluster)).find((x) => x.Labels['cloudtik-node-kind'] === kind);
  if (!c) throw new Error(`no ${kind} container in cluster ${cluster}`);
  return (c.Names[0] ?? '').replace(/^\//, '');
}

interface Outcome {
  ok: boolean;
  status?: number | null;
  message?: string;
  value?: unknown;
}

/**
 * Runs in the head under Node, with the installed package's engine client connected the way the
 * controller connects (DOCKER_HOST); prints one JSON object of outcomes.
 */
function probeScript(t: { worker: string; other: string; gate: string; ws: string }): string {
  return `
const pkg = '/usr/local/lib/node_modules/cloudtik/dist/providers/virtual/';
const { connectDocker } = await import(pkg + 'docker-client.js');
const { demuxStream } = await import(pkg + 'engine.js');
const { PassThrough } = await import('node:stream');
const crypto = await import('node:crypto');
const t = ${JSON.stringify(t)};
const docker = await connectDocker();
const out = {};
async function attempt(name, fn) {
  try { out[name] = { ok: true, value: (await fn()) ?? null }; }
  catch (e) { out[name] = { ok: false, status: e.statusCode ?? null, message: String(e.message) }; }
}
const worker = await docker.getContainer(t.worker).inspect();
const labels = worker.Config.Labels;
const newName = () => t.ws + '-gt-' + crypto.randomBytes(4).toString('hex');
const spec = (hostConfig = {}, top = {}) => ({
  name: newName(), Image: worker.Config.Image, Cmd: ['sleep', 'infinity'], Labels: labels,
  HostConfig: { Init: true, NetworkMode: worker.HostConfig.NetworkMode, NanoCpus: worker.HostConfig.NanoCpus,
    Memory: worker.HostConfig.Memory, MemorySwap: worker.HostConfig.Memory, Binds: worker.HostConfig.Binds,
    CapAdd: ['NET_ADMIN', 'SYS_NICE'], ...hostConfig }, ...top });
async function run(id, cmd, user) {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, User: user, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start();
  let text = '';
  const o = new PassThrough(); o.on('data', (b) => (text += b));
  demuxStream(stream, o, o);
  await new Promise((r) => stream.on('close', r));
  return { text, code: (await exec.inspect()).ExitCode };
}
// Refused
await attempt('info', () => docker.request('GET', '/info'));
await attempt('systemDf', () => docker.request('GET', '/system/df'));
await attempt('events', () => docker.request('GET', '/events', { query: { until: '1' } }));
await attempt('imageList', () => docker.request('GET', '/images/json'));
await attempt('imageDelete', () => docker.request('DELETE', '/images/' + encodeURIComponent(worker.Config.Image)));
await attempt('imagePull', () => docker.request('POST', '/images/create', { query: { fromImage: 'debian', tag: '12' } }));
await attempt('volumeCreate', () => docker.request('POST', '/volumes/create', { body: { Name: t.ws + '-evil' } }));
await attempt('networkCreate', () => docker.request('POST', '/networks/create', { body: { Name: t.ws + '-evil' } }));
await attempt('networkOther', () => docker.getNetwork('bridge').inspect());
await attempt('privileged', () => docker.createContainer(spec({ Privileged: true })));
await attempt('bindRoot', () => docker.createContainer(spec({ Binds: ['/:/host'] })));
await attempt('bindEtc', () => docker.createContainer(spec({ Binds: ['/etc:/host-etc:ro'] })));
await attempt('capSysAdmin', () => docker.createContainer(spec({ CapAdd: ['SYS_ADMIN'] })));
await attempt('pidHost', () => docker.createContainer(spec({ PidMode: 'host' })));
await attempt('networkHost', () => docker.createContainer(spec({ NetworkMode: 'host' })));
await attempt('noLabels', () => docker.createContainer(spec({}, { Labels: {} })));
await attempt('foreignImage', () => docker.createContainer(spec({}, { Image: 'cloudtik/debian:bookworm' })));
await attempt('otherInspect', () => docker.getContainer(t.other).inspect());
await attempt('otherExec', () => docker.getContainer(t.other).exec({ Cmd: ['true'] }));
await attempt('otherStop', () => docker.request('POST', '/containers/' + t.other + '/stop'));
await attempt('gateExec', () => docker.getContainer(t.gate).exec({ Cmd: ['true'] }));
await attempt('gateStop', () => docker.request('POST', '/containers/' + t.gate + '/stop'));
await attempt('oldApiStart', () => docker.request('POST', '/v1.23/containers/' + t.worker + '/start', { body: { Privileged: true } }));
await attempt('privilegedExec', () => docker.getContainer(t.worker).exec({ Cmd: ['true'], Privileged: true }));
// Allowed
await attempt('ping', async () => { const res = await docker.requestStream('GET', '/_ping'); let s = ''; for await (const c of res) s += c; return s; });
await attempt('version', async () => (await docker.version()).ApiVersion);
await attempt('list', async () => (await docker.listContainers({ all: true })).map((c) => c.Labels['cloudtik-cluster-name'] + '/' + c.Labels['cloudtik-node-kind']).sort());
await attempt('listOther', async () => (await docker.listContainers({ all: true, filters: { label: ['cloudtik-cluster-name=other'] } })).length);
await attempt('networkInspect', async () => (await docker.getNetwork('cloudtik-' + t.ws).inspect()).Name);
await attempt('inspect', async () => (await docker.getContainer(t.worker).inspect()).Config.Labels['cloudtik-cluster-name']);
await attempt('exec', () => run(t.worker, ['sh', '-c', 'echo out; echo err >&2; id -un; exit 3'], 'ubuntu'));
await attempt('archive', async () => {
  const tar = await docker.getContainer(t.worker).getArchive({ path: '/etc/hostname' });
  await docker.getContainer(t.worker).putArchive(tar, { path: '/tmp' });
  return (await run(t.worker, ['cat', '/tmp/hostname'], 'root')).text.trim();
});
await attempt('lifecycle', async () => {
  const c = await docker.createContainer(spec());
  await c.start();
  const running = (await c.inspect()).State.Running;
  await docker.request('POST', '/containers/' + c.id + '/stop', { query: { t: 1 } });
  const stopped = !(await c.inspect()).State.Running;
  await c.start();
  await c.kill({ signal: 'SIGKILL' });
  await c.remove({ force: true });
  return running && stopped;
});
console.log(JSON.stringify(out));
`;
}

async function probe(user: string): Promise<Record<string, Outcome>> {
  const head = await nodeName('gt', 'head');
  const t = {
    worker: await nodeName('gt', 'worker'),
    other: await nodeName('other', 'head'),
    gate: await nodeName('gt', 'gate'),
    ws,
  };
  const r = await execInContainer(engine.getContainer(head), ['node', '--input-type=module', '-'], {
    user,
    input: probeScript(t),
  });
  if (r.code !== 0) throw new Error(`probe as ${user} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as Record<string, Outcome>;
}

const REFUSED: [string, RegExp][] = [
  ['info', /engine's own information/],
  ['systemDf', /engine's own information/],
  ['events', /engine's events/],
  ['imageList', /images are managed from the host/],
  ['imageDelete', /images are managed from the host/],
  ['imagePull', /images are managed from the host/],
  ['volumeCreate', /volumes are not available/],
  ['networkCreate', /networks are managed from the host/],
  ['networkOther', /network bridge is not the workspace network/],
  ['privileged', /privileged containers are refused/],
  ['bindRoot', /host path \/ is not one of the cluster's own folders/],
  ['bindEtc', /host path \/etc is not one of the cluster's own folders/],
  ['capSysAdmin', /capabilities beyond NET_ADMIN, SYS_NICE are refused \(SYS_ADMIN\)/],
  ['pidHost', /host or shared namespaces are refused \(HostConfig.PidMode\)/],
  ['networkHost', /NetworkMode must be the workspace network/],
  ['noLabels', /must carry the labels/],
  ['foreignImage', /image cloudtik\/debian:bookworm is not the image of worker.default/],
  ['otherInspect', /is not a node of cluster gt/],
  ['otherExec', /is not a node of cluster gt/],
  ['otherStop', /is not a node of cluster gt/],
  ['gateExec', /is not a node the gate serves/],
  ['gateStop', /is not a node the gate serves/],
  ['privilegedExec', /privileged execs are refused/],
  ['oldApiStart', /API version 1.23 is older than the gate accepts/],
];

function expectGateBehaviour(out: Record<string, Outcome>, worker: string): void {
  for (const [name, message] of REFUSED) {
    expect(out[name], name).toMatchObject({ ok: false, status: 403 });
    expect(out[name]?.message, name).toMatch(/^refused by the cluster's Docker gate: /);
    expect(out[name]?.message, name).toMatch(message);
  }
  expect(out.ping).toEqual({ ok: true, value: 'OK' });
  expect(out.version?.ok).toBe(true);
  expect(out.version?.value).toMatch(/^1\.\d+$/);
  // Only this cluster's nodes, whatever filter is asked for; not the gate, not the other cluster.
  expect(out.list).toEqual({ ok: true, value: ['gt/head', 'gt/worker'] });
  expect(out.listOther).toEqual({ ok: true, value: 0 });
  expect(out.inspect).toEqual({ ok: true, value: 'gt' });
  // The workspace network (its subnet and used addresses place new workers), and no other.
  expect(out.networkInspect).toEqual({ ok: true, value: `cloudtik-${ws}` });
  expect(out.exec?.ok).toBe(true);
  expect((out.exec?.value as { code: number }).code).toBe(3);
  expect((out.exec?.value as { text: string }).text).toMatch(/out\n/);
  expect((out.exec?.value as { text: string }).text).toMatch(/err\n/);
  expect((out.exec?.value as { text: string }).text).toMatch(/ubuntu\n/);
  // The file copied out of the worker and back in again reads as it was.
  expect(out.archive?.ok).toBe(true);
  expect(out.archive?.value).toBe(worker);
  expect(out.lifecycle).toEqual({ ok: true, value: true });
}

beforeAll(async () => {
  dir = await tempDir('gate');
  shareRoot = path.join(dir, 'share');
  const wsFile = await writeFile(dir, 'ws.yaml', `workspace_name: ${ws}\nprovider:\n  type: virtual\n`);
  await cliOk(['workspace', 'create', wsFile, '-y']);
  mainFile = await writeFile(dir, 'gt.yaml', config('gt', 1));
  otherFile = await writeFile(dir, 'other.yaml', config('other', 0));
  await Promise.all([cliOk(['start', mainFile, '-y']), cliOk(['start', otherFile, '-y'])]);
  // The probes make, stop and remove a worker of their own, which a running controller would retire
  // under their feet; the gate is what is tested here (test/controller.it.test.ts drives the
  // controller through it), so the controller rests until the restart test's start.
  await cliOk(['exec', mainFile, 'cloudtik node stop --controller']);
});

afterAll(async () => {
  await cli(['stop', mainFile, '-y', '--hard']);
  await cli(['stop', otherFile, '-y', '--hard']);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe("the cluster's Docker gate", () => {
  it('refuses from the head, as the node user, everything but what the controller needs', async () => {
    expectGateBehaviour(await probe('ubuntu'), await nodeName('gt', 'worker'));
  });

  it('refuses the same as root on the head', async () => {
    expectGateBehaviour(await probe('root'), await nodeName('gt', 'worker'));
  });

  it('leaves no engine socket in the head and no other way to the engine', async () => {
    const head = engine.getContainer(await nodeName('gt', 'head'));
    const envs = await execInContainer(head, ['sh', '-c', 'echo "$DOCKER_HOST"'], { user: 'ubuntu' });
    expect(envs.stdout.trim()).toBe('unix:///cloudtik/gate/engine.sock');
    // Every socket in the head's file system: none is the engine's; only the gate's answers, and refuses.
    const found = await execInContainer(
      head,
      ['sh', '-c', 'find / \\( -path /proc -o -path /sys \\) -prune -o -type s -print 2>/dev/null'],
      { user: 'root' },
    );
    const sockets = found.stdout.trim().split('\n').filter(Boolean);
    expect(sockets.filter((s) => s.endsWith('docker.sock'))).toEqual([]);
    const net = await docker.getNetwork(`cloudtik-${ws}`).inspect();
    const gateway = net.IPAM?.Config?.[0]?.Gateway ?? '';
    expect(gateway).toMatch(/^\d+\./);
    const reach = await execInContainer(head, ['node', '--input-type=module', '-'], {
      user: 'root',
      input: `
import http from 'node:http'; import net from 'node:net';
const sockets = ${JSON.stringify(sockets)};
const info = (o) => new Promise((r) => { const q = http.get({ ...o, path: '/info', timeout: 2000 }, (res) => { res.resume(); r(res.statusCode); });
  q.on('error', (e) => r(e.code)); q.on('timeout', () => { q.destroy(); r('timeout'); }); });
const tcp = (host, port) => new Promise((r) => { const s = net.connect({ host, port, timeout: 1500 });
  s.on('connect', () => { s.destroy(); r('open'); }); s.on('error', (e) => r(e.code)); s.on('timeout', () => { s.destroy(); r('timeout'); }); });
const out = { sockets: {}, tcp: {} };
for (const s of sockets) out.sockets[s] = await info({ socketPath: s });
for (const h of [${JSON.stringify(gateway)}, '172.17.0.1']) for (const p of [2375, 2376]) out.tcp[h + ':' + p] = await tcp(h, p);
console.log(JSON.stringify(out));
`,
    });
    const seen = JSON.parse(reach.stdout) as { sockets: Record<string, unknown>; tcp: Record<string, unknown> };
    expect(Object.values(seen.sockets)).not.toContain(200);
    expect(seen.sockets['/cloudtik/gate/engine.sock']).toBe(403);
    for (const [where, result] of Object.entries(seen.tcp)) expect(result, where).not.toBe('open');
    // The gate's socket folder is read-only in the head, even for root.
    const write = await execInContainer(
      head,
      ['sh', '-c', 'rm -f /cloudtik/gate/engine.sock; touch /cloudtik/gate/x'],
      {
        user: 'root',
      },
    );
    expect(write.code).not.toBe(0);
    // Only the gate mounts the engine socket, and it has no network and no capabilities.
    for (const c of await docker.listContainers({ all: true, filters: { label: [`cloudtik-workspace-name=${ws}`] } })) {
      const i = await docker.getContainer(c.Id).inspect();
      const mountsEngine = i.Mounts.some((m) => m.Source === '/var/run/docker.sock');
      expect(mountsEngine, c.Names[0]).toBe(c.Labels['cloudtik-node-kind'] === 'gate');
      if (mountsEngine) {
        expect(i.HostConfig.NetworkMode).toBe('none');
        expect(i.HostConfig.Privileged).toBe(false);
        expect(i.HostConfig.CapDrop).toEqual(['ALL']);
      }
    }
  });

  it('comes back by itself when its process dies, and start restarts a stopped one', async () => {
    const gate = await nodeName('gt', 'gate');
    const head = engine.getContainer(await nodeName('gt', 'head'));
    const ping = async (): Promise<string> =>
      (
        await execInContainer(head, [
          'node',
          '-e',
          "require('http').get({ socketPath: '/cloudtik/gate/engine.sock', path: '/_ping' }, (r) => r.pipe(process.stdout)).on('error', () => {})",
        ])
      ).stdout;
    // As after a crash: every process of the gate killed; its restart policy brings it back.
    await execInContainer(engine.getContainer(gate), ['sh', '-c', 'kill -9 -1']);
    let answer = '';
    for (let n = 0; n < 100 && answer !== 'OK'; n++) {
      await new Promise((r) => setTimeout(r, 300));
      answer = await ping();
    }
    expect(answer).toBe('OK');
    expect((await docker.getContainer(gate).inspect()).RestartCount).toBeGreaterThanOrEqual(1);
    // Stopped by hand (as an engine that went down with it would leave it): start brings it back.
    await docker.getContainer(gate).stop({ t: 1 });
    await cliOk(['start', mainFile, '-y']);
    expect((await docker.getContainer(gate).inspect()).State.Running).toBe(true);
    expect(await ping()).toBe('OK');
  });

  it('stop removes the gate and its folder, last', async () => {
    const gateDir = path.join(process.env.CLOUDTIK_HOME as string, 'virtual', ws, 'other.gate');
    expect(exists(path.join(gateDir, 'engine.sock'))).toBe(true);
    await cliOk(['stop', otherFile, '-y']);
    expect(await clusterContainers(ws, 'other')).toHaveLength(0);
    expect(exists(gateDir)).toBe(false);
  });

  it('a start that fails after making the gate leaves nothing behind', async () => {
    // The head's data disk cannot be made (under a file): the head launch fails after the gate is up.
    const blocker = await writeFile(dir, 'not-a-folder', 'x');
    const file = await writeFile(
      dir,
      'broken.yaml',
      config('broken', 0, `            data_disks: [${path.join(blocker, 'disks')}]`),
    );
    const r = await cli(['start', file, '-y']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/The cluster's Docker gate: done/);
    expect(r.stderr).toMatch(/Launch head: fail/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await clusterContainers(ws, 'broken')).toHaveLength(0);
    expect(exists(path.join(process.env.CLOUDTIK_HOME as string, 'virtual', ws, 'broken.gate'))).toBe(false);
    // Nor its state folder, which the failed launch's clean-up wrote.
    expect(exists(path.join(process.env.CLOUDTIK_HOME as string, 'virtual', ws, 'broken'))).toBe(false);
  });
});
